import { Router } from 'express';
import type { Logger } from 'pino';
import { pipeline } from 'node:stream/promises';
import { contextOf, type Deps } from '../service-context.js';
import { parseInput, pathId } from '../http/validate.js';
import { dispositionHeader } from '../http/content-disposition.js';
import { CreateArchiveSchema } from './schema.js';
import { deliverArchive, listArchives, readArchive, requestArchive } from './service.js';
import { presentArchive } from './presenter.js';
import { archiveBuilderOf } from './archive-builder.js';

/** An archive's bytes never change once ready: its SHA-256 is its strong validator. */
const archiveEtag = (sha256: string | null) => `"${sha256 ?? ''}"`;

export function archivesRouter(deps: Deps & { logger?: Logger }) {
  const router = Router();
  const builder = archiveBuilderOf(deps);

  router.post('/api/rooms/:roomId/archives', async (req, res) => {
    const ctx = await contextOf(req, deps);
    const { archive, created } = await requestArchive(ctx, pathId(req.params.roomId), parseInput(CreateArchiveSchema, req.body ?? {}));
    // This process starts on it at once; any other process would take it at its next poll.
    void builder.runOnce().catch((err: unknown) => req.log?.error({ err }, 'archive build pass failed'));
    res.status(202).set('Location', `/api/rooms/${archive.roomId}/archives/${archive.id}`).json({ ...presentArchive(archive), created });
  });

  router.get('/api/rooms/:roomId/archives', async (req, res) => {
    const ctx = await contextOf(req, deps);
    res.json({ items: (await listArchives(ctx, pathId(req.params.roomId))).map(presentArchive) });
  });

  router.get('/api/rooms/:roomId/archives/:archiveId', async (req, res) => {
    const ctx = await contextOf(req, deps);
    res.json(presentArchive(await readArchive(ctx, pathId(req.params.roomId), pathId(req.params.archiveId))));
  });

  router.get('/api/rooms/:roomId/archives/:archiveId/content', async (req, res) => {
    const ctx = await contextOf(req, deps);
    const delivery = await deliverArchive(ctx, pathId(req.params.roomId), pathId(req.params.archiveId), ({ size, sha256 }) => {
      if (!req.headers.range) return null;
      // If-Range naming anything but this archive's validator: the whole file (RFC 9110 §13.1.5).
      const ifRange = req.get('if-range');
      if (ifRange !== undefined && ifRange.trim() !== archiveEtag(sha256)) return null;
      const parsed = req.range(size, { combine: true });
      if (parsed === -1) return -1;
      // A malformed header (-2) or several ranges: the whole file, as RFC 9110 allows.
      return Array.isArray(parsed) && parsed.type === 'bytes' && parsed.length === 1 ? parsed[0]! : null;
    });
    const { archive, size, range } = delivery;
    res.set({
      'Content-Type': 'application/zip',
      'Content-Disposition': dispositionHeader('attachment', `archive-${archive.createdAt.slice(0, 10)}-${archive.id.slice(0, 8)}${archive.partyId ? '-party' : ''}.zip`, 'archive.zip'),
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
      'Accept-Ranges': 'bytes',
      ETag: archiveEtag(archive.sha256),
    });
    const body = await delivery.open();
    if (range) res.status(206).set('Content-Range', `bytes ${range.start}-${range.end}/${size}`).set('Content-Length', String(range.end - range.start + 1));
    else res.set('Content-Length', String(size));
    // A client that goes away ends the pipeline, and the stored object's stream with it.
    await pipeline(body, res).catch(() => undefined);
  });

  return router;
}
