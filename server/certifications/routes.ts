import { Router } from 'express';
import { contextOf, type Deps } from '../service-context.js';
import { parseInput, pathId } from '../http/validate.js';
import { dispositionHeader } from '../http/content-disposition.js';
import { CertifySchema, ListCertificationsSchema } from './schema.js';
import { certificateOf, certify, listCertifications } from './service.js';
import { presentCertification } from './presenter.js';
import { certificatePdf } from './certificate-pdf.js';

export function certificationsRouter(deps: Deps) {
  const router = Router();
  router.get('/api/rooms/:roomId/certifications', async (req, res) => {
    const ctx = await contextOf(req, deps);
    const roomId = pathId(req.params.roomId);
    const query = parseInput(ListCertificationsSchema, req.query);
    const page = await listCertifications(ctx, roomId, query);
    res.json({ items: page.items.map((c) => presentCertification(c, page.reader)), nextCursor: page.nextCursor });
  });
  router.post('/api/rooms/:roomId/certifications/:certificationId/certify', async (req, res) => {
    const ctx = await contextOf(req, deps);
    const roomId = pathId(req.params.roomId);
    const certificationId = pathId(req.params.certificationId);
    const input = parseInput(CertifySchema, req.body ?? {});
    const { certification, reader } = await certify(ctx, roomId, certificationId, input);
    res.json(presentCertification(certification, reader));
  });
  router.get('/api/rooms/:roomId/certifications/:certificationId/certificate', async (req, res) => {
    const ctx = await contextOf(req, deps);
    const certificate = await certificateOf(ctx, pathId(req.params.roomId), pathId(req.params.certificationId), 'json');
    res.json(certificate);
  });
  router.get('/api/rooms/:roomId/certifications/:certificationId/certificate.pdf', async (req, res) => {
    const ctx = await contextOf(req, deps);
    const certificate = await certificateOf(ctx, pathId(req.params.roomId), pathId(req.params.certificationId), 'pdf');
    const pdf = await certificatePdf(certificate);
    res.set('Content-Type', 'application/pdf');
    res.set('Content-Disposition', dispositionHeader('attachment', `certificate-${certificate.certification.id}.pdf`, 'certificate.pdf'));
    res.set('X-Content-Type-Options', 'nosniff');
    res.send(pdf);
  });
  return router;
}
