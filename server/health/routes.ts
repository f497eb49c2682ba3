import { Router } from 'express';
import type { Deps } from '../service-context.js';
import { qpdfEngine } from '../pdf-intake/qpdf-engine.js';

/** Set by start-up when the process begins to shut down, so the load balancer stops sending work first. */
export interface Lifecycle {
  draining: boolean;
}

/** A key no upload ever uses (uploads go under versions/ and ndas/): stat-ing it only proves the store answers. */
const STORE_PROBE_KEY = 'health/ready-probe';
const CHECK_TIMEOUT_MS = 2_000;

type Check = 'ok' | 'unavailable' | 'draining';

async function within<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([work, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('timed out')), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * GET /api/health is liveness: the process answers, nothing else is asked (a load balancer must not
 * restart every process because the database blinked). GET /api/health/ready is readiness: 200 only
 * while the database and the object store both answer and the process is not shutting down, 503
 * otherwise, so a load balancer sends requests only where they can succeed. It also names the qpdf
 * the intake runs, `native` or `wasm` (its WebAssembly build, where none is installed): an operator
 * sees from outside which one a process chose at start.
 */
export function healthRouter(deps: Deps & { lifecycle?: Lifecycle }) {
  const router = Router();
  router.get('/api/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/api/health/ready', async (_req, res) => {
    const [database, storage, qpdf] = await Promise.all([
      within(CHECK_TIMEOUT_MS, deps.db.raw('select 1')).then((): Check => 'ok', (): Check => 'unavailable'),
      within(CHECK_TIMEOUT_MS, deps.store.stat(STORE_PROBE_KEY)).then((): Check => 'ok', (): Check => 'unavailable'),
      // Chosen once, at start (its probe has time limits of its own); a process whose QPDF setting
      // cannot be met does not start at all, so 'unavailable' is only seen before start-up asks.
      qpdfEngine().then((engine) => engine.name, () => 'unavailable' as const),
    ]);
    const process: Check = deps.lifecycle?.draining ? 'draining' : 'ok';
    const ready = database === 'ok' && storage === 'ok' && process === 'ok';
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'unavailable', checks: { database, storage, process }, qpdf });
  });
  return router;
}
