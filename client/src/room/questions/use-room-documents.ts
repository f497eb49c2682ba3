import { useMemo } from 'react';
import { api, fetchAll, type DocumentItem } from '../../api.js';
import { useLoad } from '../../hooks/use-load.js';
import type { RoomContext } from '../room-context.js';

/**
 * The documents of the room the caller may view, by id: what a question or an answer refers to is
 * named by its index and title, and offered in the pickers. An expert, whom the room gives nothing
 * but its Q&A, has none; a list that cannot be read leaves the references named by id.
 */
export function useRoomDocuments(ctx: RoomContext): ReadonlyMap<string, DocumentItem> {
  const givesContent = ctx.room.entityIds !== undefined;
  const [docs] = useLoad(
    (signal) => (givesContent ? fetchAll((cursor, s) => api.documents(ctx.room.id, { cursor: cursor ?? undefined }, s), signal).catch(() => []) : Promise.resolve([])),
    [ctx.room.id, givesContent],
  );
  return useMemo(() => new Map(docs.state === 'ready' ? docs.data.map((d) => [d.id, d]) : []), [docs]);
}

/** "1.2 Lease agreement", or a plain word for a document the caller cannot name. */
export const documentLabel = (docs: ReadonlyMap<string, DocumentItem>, id: string) => {
  const d = docs.get(id);
  return d ? `${d.index} ${d.title}` : `document ${id}`;
};
