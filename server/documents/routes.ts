import { Router, type Response } from 'express';
import { contextOf, type Deps } from '../service-context.js';
import { parseInput, pathId } from '../http/validate.js';
import { PagingSchema } from '../http/paging.js';
import { dispositionHeader } from '../http/content-disposition.js';
import { deliverOriginal, deliverStamped } from '../downloads/service.js';
import { honouredRange, sendDelivery } from '../downloads/send-delivery.js';
import { ContentQuerySchema, ListDocumentsQuerySchema, UpdateDocumentSchema, WithdrawDocumentSchema } from './schema.js';
import { deleteDocument, deliverVersionOriginal, listVersions, updateDocument, withdrawDocument } from './lifecycle.js';
import { addVersion, createDocument, findDocumentFor, listDocuments, readDocument, roomOfDocument } from './service.js';
import { presentDocument, presentStoredVersion, presentVersion } from './presenter.js';
import { incomingUpload } from '../uploads/incoming-upload.js';
import { pipeline } from 'node:stream/promises';
import { invalidRequest } from '../errors.js';
import { deliverDataset } from '../datasets/service.js';

const EXTENSIONS: Record<string, string> = {
  'application/pdf': '.pdf',
  'image/jpeg': '.jpg',
  'image/png': '.png',
  'image/webp': '.webp',
  'image/tiff': '.tif',
};

/** Headers every delivered file carries: never cached, never sniffed into something executable. */
function setFileHeaders(res: Response, h: { mimeType: string; disposition: string; downloadId: string; length?: number }) {
  res.set({
    'Content-Type': h.mimeType,
    'Content-Disposition': h.disposition,
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    'X-Download-Id': h.downloadId,
  });
  if (h.length !== undefined) res.set('Content-Length', String(h.length));
}

export function documentsRouter(deps: Deps) {
  const router = Router();

  router.post('/api/rooms/:roomId/documents', async (req, res) => {
    const ctx = await contextOf(req, deps);
    const doc = await createDocument(ctx, pathId(req.params.roomId), incomingUpload(req));
    res.status(201).json({
      ...presentStoredVersion(doc.id, { id: doc.currentVersionId, documentId: doc.id, version: 1, objectKey: doc.objectKey, size: doc.size, sha256: doc.sha256, mimeType: doc.mimeType, fileName: doc.fileName, createdBy: doc.createdBy, createdAt: doc.createdAt }),
      kind: doc.kind,
    });
  });

  router.post('/api/documents/:documentId/versions', async (req, res) => {
    const ctx = await contextOf(req, deps);
    const documentId = pathId(req.params.documentId);
    const { id: _documentId, ...version } = presentStoredVersion(documentId, await addVersion(ctx, documentId, incomingUpload(req)));
    res.status(201).json(version);
  });

  router.get('/api/rooms/:roomId/documents', async (req, res) => {
    const ctx = await contextOf(req, deps);
    const query = parseInput(ListDocumentsQuerySchema, req.query);
    const paging = parseInput(PagingSchema, { limit: query.limit, cursor: query.cursor });
    const page = await listDocuments(ctx, pathId(req.params.roomId), { folderId: query.folderId, q: query.q, status: query.status }, paging);
    res.json({ items: page.items.map(presentDocument), nextCursor: page.nextCursor });
  });

  router.get('/api/documents/:documentId', async (req, res) => {
    const ctx = await contextOf(req, deps);
    res.json(presentDocument(await readDocument(ctx, pathId(req.params.documentId))));
  });

  router.patch('/api/documents/:documentId', async (req, res) => {
    const ctx = await contextOf(req, deps);
    res.json(presentDocument(await updateDocument(ctx, pathId(req.params.documentId), parseInput(UpdateDocumentSchema, req.body))));
  });

  router.post('/api/documents/:documentId/withdraw', async (req, res) => {
    const ctx = await contextOf(req, deps);
    res.json(await withdrawDocument(ctx, pathId(req.params.documentId), parseInput(WithdrawDocumentSchema, req.body).reason));
  });

  router.delete('/api/documents/:documentId', async (req, res) => {
    await deleteDocument(await contextOf(req, deps), pathId(req.params.documentId));
    res.status(204).end();
  });

  router.get('/api/documents/:documentId/versions', async (req, res) => {
    const versions = await listVersions(await contextOf(req, deps), pathId(req.params.documentId));
    res.json({ items: versions.map(presentVersion), nextCursor: null });
  });

  router.get('/api/documents/:documentId/versions/:versionId/original', async (req, res) => {
    const ctx = await contextOf(req, deps);
    const { doc, downloadId, stream } = await deliverVersionOriginal(ctx, pathId(req.params.documentId), pathId(req.params.versionId));
    setFileHeaders(res, { mimeType: doc.mimeType, disposition: dispositionHeader('attachment', doc.fileName ?? doc.title, 'document'), downloadId, length: Number(doc.size) });
    stream.on('error', () => res.destroy());
    stream.pipe(res);
  });

  router.get('/api/documents/:documentId/content', async (req, res) => {
    const ctx = await contextOf(req, deps);
    const { disposition, download, format, sheet } = parseInput(ContentQuerySchema, req.query);
    const kind = disposition === 'inline' ? 'view' : 'download';
    const doc = await findDocumentFor(ctx, pathId(req.params.documentId), kind, `document.${kind}`, { contentRequest: true });
    if (doc.kind === 'dataset') {
      // Each recipient's own copy, made as it streams: no ranges, nothing to resume.
      if (download !== undefined) throw invalidRequest('A dataset delivery cannot be resumed; start a new one.', { download: 'datasets are delivered whole' });
      const delivery = await deliverDataset(ctx, await roomOfDocument(ctx, doc), doc, kind, { format, sheet });
      setFileHeaders(res, {
        mimeType: delivery.mimeType,
        disposition: dispositionHeader('attachment', `${doc.title}.${delivery.format}`, `dataset.${delivery.format}`),
        downloadId: delivery.downloadId,
      });
      await pipeline(delivery.body, res).catch(() => undefined);
      return;
    }
    if (format !== undefined || sheet !== undefined) throw invalidRequest('Only a dataset has a format or sheets.', format !== undefined ? { format: 'not a dataset' } : { sheet: 'not a dataset' });
    const range = honouredRange(req, download);
    const delivery = await deliverStamped(ctx, await roomOfDocument(ctx, doc), doc, kind, { resume: download, range, rangeFits: (size) => req.range(size) !== -1 });
    const ext = delivery.mimeType === 'application/pdf' ? '.pdf' : (EXTENSIONS[delivery.mimeType] ?? '');
    setFileHeaders(res, {
      mimeType: delivery.mimeType,
      disposition: dispositionHeader(disposition, `${doc.title}${ext}`, `document${ext}`),
      downloadId: delivery.downloadId,
    });
    await sendDelivery(req, res, delivery, range);
  });

  router.get('/api/documents/:documentId/original', async (req, res) => {
    const ctx = await contextOf(req, deps);
    const doc = await findDocumentFor(ctx, pathId(req.params.documentId), 'original', 'document.original', { contentRequest: true });
    const { downloadId, stream } = await deliverOriginal(ctx, doc);
    // Originals are always attachments: an uploaded HTML or SVG file must never render on our origin.
    setFileHeaders(res, {
      mimeType: doc.mimeType,
      disposition: dispositionHeader('attachment', doc.fileName ?? doc.title, 'document'),
      downloadId,
      length: Number(doc.size),
    });
    stream.on('error', () => res.destroy());
    stream.pipe(res);
  });

  return router;
}
