import { Router } from 'express';
import { contextOf, type Deps } from '../service-context.js';
import { parseInput, pathId } from '../http/validate.js';
import { AddStaffSchema, CreateRoomSchema, UpdateRoomSchema } from './schema.js';
import { addStaff, closeRoom, createRoom, getRoom, listRooms, listStaff, readableRoomFields, updateRoom } from './service.js';
import { presentRoom } from './presenter.js';

export function roomsRouter(deps: Deps) {
  const router = Router();
  router.post('/api/rooms', async (req, res) => {
    const ctx = await contextOf(req, deps);
    res.status(201).json(presentRoom(await createRoom(ctx, parseInput(CreateRoomSchema, req.body))));
  });
  router.get('/api/rooms', async (req, res) => {
    const ctx = await contextOf(req, deps);
    const rooms = await listRooms(ctx);
    res.json({ items: rooms.map((r) => presentRoom(r, readableRoomFields(ctx, r))), nextCursor: null });
  });
  router.get('/api/rooms/:roomId', async (req, res) => {
    const ctx = await contextOf(req, deps);
    const room = await getRoom(ctx, pathId(req.params.roomId));
    res.json(presentRoom(room, readableRoomFields(ctx, room)));
  });
  router.patch('/api/rooms/:roomId', async (req, res) => {
    const ctx = await contextOf(req, deps);
    const room = await updateRoom(ctx, pathId(req.params.roomId), parseInput(UpdateRoomSchema, req.body));
    res.json(presentRoom(room, readableRoomFields(ctx, room)));
  });
  router.post('/api/rooms/:roomId/staff', async (req, res) => {
    const ctx = await contextOf(req, deps);
    const input = parseInput(AddStaffSchema, req.body);
    await addStaff(ctx, pathId(req.params.roomId), input);
    res.status(201).json({ roomId: req.params.roomId, userId: input.userId, role: input.role });
  });
  router.get('/api/rooms/:roomId/staff', async (req, res) => {
    const staff = await listStaff(await contextOf(req, deps), pathId(req.params.roomId));
    res.json({ items: staff.map((s) => ({ userId: s.userId, role: s.role, name: s.name, email: s.email })), nextCursor: null });
  });
  router.post('/api/rooms/:roomId/close', async (req, res) => {
    await closeRoom(await contextOf(req, deps), pathId(req.params.roomId));
    res.json({ status: 'closed' });
  });
  return router;
}
