import { TextExtractionError } from './text-extraction-types.js';

/**
 * One document's extraction while it runs: an instant to finish by and the caller's signal. Every
 * child process gets the lesser of its own cap and what is left, so no step outlives the document's
 * budget, and none starts after it.
 */
export class ExtractionBudget {
  readonly deadline: number;

  constructor(
    readonly documentTimeoutMs: number,
    readonly signal: AbortSignal | undefined,
  ) {
    this.deadline = Date.now() + documentTimeoutMs;
  }

  /** Time a step may take: its own cap, or what is left of the document's budget if that is less. */
  stepMs(capMs: number): number {
    return Math.max(0, Math.min(capMs, this.deadline - Date.now()));
  }

  get spent(): boolean {
    return Date.now() >= this.deadline;
  }

  /** Between steps: throws once the budget is spent or the caller gave up, so no more work starts. */
  assertLeft(): void {
    if (this.signal?.aborted) throw new TextExtractionError('aborted', 'Reading the text of the document was stopped before it finished.');
    if (this.spent) throw this.exhausted();
  }

  exhausted(): TextExtractionError {
    return new TextExtractionError('too_long', `Reading the text of the document took longer than the ${formatSeconds(this.documentTimeoutMs)} allowed.`);
  }
}

export function formatSeconds(ms: number): string {
  if (ms >= 10_000) return `${Math.round(ms / 1000)} s`;
  return ms >= 1000 ? `${Number((ms / 1000).toFixed(1))} s` : `${Math.round(ms)} ms`;
}
