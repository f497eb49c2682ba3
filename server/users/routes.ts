import { Router } from 'express';
import { contextOf, type Deps } from '../service-context.js';
import { parseInput, pathId } from '../http/validate.js';
import { CreateUserSchema, ListUsersQuerySchema, UpdateUserSchema } from './schema.js';
import { createUser, disableUser, listUsers, updateUser } from './service.js';
import { presentUser } from './presenter.js';
import { eraseUser } from './erasure.js';
import { reinviteUser } from '../account-links/service.js';
import { incomingUpload } from '../uploads/incoming-upload.js';
import { PeopleImportQuerySchema } from './people-import-schema.js';
import { importPeople } from './people-import.js';

export function usersRouter(deps: Deps) {
  const router = Router();
  router.post('/api/users', async (req, res) => {
    const ctx = await contextOf(req, deps);
    const user = await createUser(ctx, parseInput(CreateUserSchema, req.body));
    res.status(201).json(presentUser(user));
  });
  router.post('/api/users/import', async (req, res) => {
    const ctx = await contextOf(req, deps);
    const { dryRun } = parseInput(PeopleImportQuerySchema, req.query);
    res.json(await importPeople(ctx, incomingUpload(req), { dryRun }));
  });
  router.get('/api/users', async (req, res) => {
    const page = await listUsers(await contextOf(req, deps), parseInput(ListUsersQuerySchema, req.query));
    res.json({ items: page.items.map(presentUser), nextCursor: page.nextCursor });
  });
  router.patch('/api/users/:userId', async (req, res) => {
    const ctx = await contextOf(req, deps);
    res.json(presentUser(await updateUser(ctx, pathId(req.params.userId), parseInput(UpdateUserSchema, req.body))));
  });
  router.post('/api/users/:userId/invitation', async (req, res) => {
    await reinviteUser(await contextOf(req, deps), pathId(req.params.userId));
    res.status(202).json({ invited: true });
  });
  router.post('/api/users/:userId/disable', async (req, res) => {
    await disableUser(await contextOf(req, deps), pathId(req.params.userId));
    res.json({ disabled: true });
  });
  router.post('/api/users/:userId/erase', async (req, res) => {
    const user = await eraseUser(await contextOf(req, deps), pathId(req.params.userId));
    res.json({ ...presentUser(user), erased: true });
  });
  return router;
}
