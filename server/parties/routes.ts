import { Router } from 'express';
import { contextOf, type Deps } from '../service-context.js';
import { parseInput, pathId } from '../http/validate.js';
import { AddMemberSchema, CreatePartySchema, InviteMemberSchema } from './schema.js';
import { addMember, createParty, inviteMember, listParties, removeMember } from './service.js';
import { presentParty } from './presenter.js';

export function partiesRouter(deps: Deps) {
  const router = Router();
  router.post('/api/rooms/:roomId/parties', async (req, res) => {
    const ctx = await contextOf(req, deps);
    res.status(201).json(presentParty(await createParty(ctx, pathId(req.params.roomId), parseInput(CreatePartySchema, req.body))));
  });
  router.get('/api/rooms/:roomId/parties', async (req, res) => {
    const parties = await listParties(await contextOf(req, deps), pathId(req.params.roomId));
    res.json({ items: parties.map(presentParty), nextCursor: null });
  });
  router.post('/api/rooms/:roomId/parties/:partyId/members', async (req, res) => {
    const ctx = await contextOf(req, deps);
    const member = await addMember(ctx, pathId(req.params.roomId), pathId(req.params.partyId), parseInput(AddMemberSchema, req.body));
    res.status(201).json(member);
  });
  router.post('/api/rooms/:roomId/parties/:partyId/invitations', async (req, res) => {
    const ctx = await contextOf(req, deps);
    res.status(201).json(await inviteMember(ctx, pathId(req.params.roomId), pathId(req.params.partyId), parseInput(InviteMemberSchema, req.body)));
  });
  router.delete('/api/rooms/:roomId/parties/:partyId/members/:userId', async (req, res) => {
    const ctx = await contextOf(req, deps);
    await removeMember(ctx, pathId(req.params.roomId), pathId(req.params.partyId), pathId(req.params.userId));
    res.status(204).end();
  });
  return router;
}
