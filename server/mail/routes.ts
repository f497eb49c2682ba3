import { Router } from 'express';
import { contextOf, type Deps } from '../service-context.js';
import { parseInput, pathId } from '../http/validate.js';
import { accountContextOf } from '../auth/account-context.js';
import { recordAllowed } from '../ledger/record.js';
import { ListMailQuerySchema, NotificationSettingsSchema } from './schema.js';
import { listOutbox, readOutboxMail } from './outbox-service.js';

const presentMail = (m: { id: string; toAddress: string; subject: string; status: string; attempts: number; lastError: string | null; createdAt: string; sentAt: string | null; kind: string }) => ({
  id: m.id,
  to: m.toAddress,
  subject: m.subject,
  kind: m.kind,
  status: m.status,
  attempts: m.attempts,
  lastError: m.lastError,
  createdAt: m.createdAt,
  sentAt: m.sentAt,
});

export function mailRouter(deps: Deps) {
  const router = Router();
  router.get('/api/admin/mail', async (req, res) => {
    const page = await listOutbox(await contextOf(req, deps), parseInput(ListMailQuerySchema, req.query));
    res.json({ items: page.items.map(presentMail), nextCursor: page.nextCursor });
  });
  router.get('/api/admin/mail/:mailId', async (req, res) => {
    const { mail, text } = await readOutboxMail(await contextOf(req, deps), pathId(req.params.mailId));
    res.json({ ...presentMail(mail), text });
  });

  // The caller's own notification preference.
  router.get('/api/me/settings', async (req, res) => {
    const ctx = accountContextOf(req, deps);
    const user = await ctx.db('users').where({ id: ctx.actor.id }).first('notify');
    res.json({ notify: user?.notify ?? 'immediate' });
  });
  router.put('/api/me/settings', async (req, res) => {
    const ctx = accountContextOf(req, deps);
    const { notify } = parseInput(NotificationSettingsSchema, req.body);
    await ctx.db.transaction(async (trx) => {
      await trx('users').where({ id: ctx.actor.id }).update({ notify });
      await recordAllowed(trx, ctx, { action: 'user.settings', subjectType: 'User', subjectId: ctx.actor.id, details: { notify } });
    });
    res.json({ notify });
  });
  return router;
}
