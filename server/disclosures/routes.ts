import { Router } from 'express';
import { contextOf, type Deps } from '../service-context.js';
import { parseInput, pathId } from '../http/validate.js';
import { DisclosureQuerySchema, SubjectDisclosureQuerySchema } from './schema.js';
import { documentDisclosures, recipientDisclosures } from './service.js';
import { subjectDisclosures } from './subject-disclosures.js';
import { DOCUMENT_CSV_COLUMNS, RECIPIENT_CSV_COLUMNS, disclosuresCsv, presentDocumentDisclosure, presentRecipientDisclosure, presentSubjectDisclosure } from './presenter.js';

export function disclosuresRouter(deps: Deps) {
  const router = Router();
  router.get('/api/rooms/:roomId/disclosures', async (req, res) => {
    const ctx = await contextOf(req, deps);
    const { format, view, ...filters } = parseInput(DisclosureQuerySchema, req.query);
    const roomId = pathId(req.params.roomId);
    const items =
      view === 'recipients'
        ? (await recipientDisclosures(ctx, roomId, filters)).map(presentRecipientDisclosure)
        : (await documentDisclosures(ctx, roomId, filters)).map(presentDocumentDisclosure);
    if (format === 'csv') {
      res.type('text/csv; charset=utf-8').attachment(view === 'recipients' ? 'disclosures-by-recipient.csv' : 'disclosures.csv');
      res.send(disclosuresCsv(items, view === 'recipients' ? RECIPIENT_CSV_COLUMNS : DOCUMENT_CSV_COLUMNS));
      return;
    }
    // The register is one answer, not a stream of pages: counsel reads it whole.
    res.json({ items, nextCursor: null });
  });
  // Which recipients received a data subject's rows of the room's datasets (GDPR Art. 15(1)(c)).
  router.get('/api/rooms/:roomId/disclosures/subjects', async (req, res) => {
    const ctx = await contextOf(req, deps);
    const roomId = pathId(req.params.roomId);
    const { value } = parseInput(SubjectDisclosureQuerySchema, req.query);
    res.json({ items: (await subjectDisclosures(ctx, roomId, value)).map(presentSubjectDisclosure) });
  });
  return router;
}
