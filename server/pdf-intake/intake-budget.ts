import { UnstampableError } from '../watermark/errors.js';

/**
 * What the intake of one file may cost (R7): the time from the stored upload to its rendition, and
 * the memory of each process it runs (qpdf, LibreOffice). Configured by INTAKE_TIMEOUT_SECONDS and
 * INTAKE_MEMORY_MB.
 */
export interface IntakeBudget {
  timeoutMs: number;
  memoryBytes: number;
}

/** The defaults of server/config.ts: an answer well inside the 60 s R7 promises, and 1 GiB a process. */
export const DEFAULT_INTAKE_BUDGET: IntakeBudget = { timeoutMs: 45_000, memoryBytes: 1024 * 1024 * 1024 };

/** One intake's budget while it runs: an instant to finish by, and the signal that ends it early. */
export interface IntakeLimits {
  /** Epoch milliseconds. */
  deadline: number;
  memoryBytes: number;
  signal?: AbortSignal;
}

export const limitsFrom = (budget: IntakeBudget, signal?: AbortSignal): IntakeLimits => ({
  deadline: Date.now() + budget.timeoutMs,
  memoryBytes: budget.memoryBytes,
  signal,
});

/** Time left for a step: its own cap, or what remains of the intake's budget if that is less. */
export const timeLeft = (limits: IntakeLimits | undefined, stepCapMs: number): number =>
  limits ? Math.min(stepCapMs, limits.deadline - Date.now()) : stepCapMs;

/** Between steps: past the deadline (or abandoned), the intake stops here rather than start more work. */
export function assertWithinBudget(limits: IntakeLimits | undefined, what = 'Reading the file'): void {
  if (!limits) return;
  if (limits.signal?.aborted || Date.now() >= limits.deadline) {
    throw new UnstampableError('too_complex', `${what} took longer than the time allowed.`);
  }
}
