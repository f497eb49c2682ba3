import fc from 'fast-check';
import request from 'supertest';
import type { Express } from 'express';
import { parse } from 'csv-parse/sync';
import { unescapeCsvCell } from '../../server/datasets/write-csv.js';
import { drawEntityLabels, drawSheet, type ColumnKind } from './dataset-arbitrary.js';
import { CLASSIFICATIONS, PERSONAL_DATA, type World, type WorldDataset, type WorldDocument } from './world-model.js';

type Draw = fc.GeneratorValue;
const pick = <T>(g: Draw, items: readonly T[]): T => items[g(fc.integer, { min: 0, max: items.length - 1 })];
const chance = (g: Draw, percent: number) => g(fc.integer, { min: 1, max: 100 }) <= percent;

/** A cell as a CSV file writes it (RFC 4180): quoted when it holds a comma, a quote or a line end. */
const csvCell = (v: string) => (/[",\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);
const csvOf = (header: string[], rows: string[][]) => Buffer.from([header, ...rows].map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n', 'utf8');

/** The records of a CSV delivery (BOM, CRLF, formula-like cells prefixed with `'`), as the values delivered. */
export const csvRecords = (text: string): string[][] =>
  (parse(text.replace(/^\uFEFF/, ''), { relax_column_count: false }) as string[][]).map((r) => r.map(unescapeCsvCell));

/**
 * The deal team (`managerToken`) uploads a small census to a random room of the world (in a folder
 * a grant names half the time, half the time `standard`: else outsiders rarely have it), as a CSV (25–40 rows; an identifier, a name, a date, a number and an entity column, each
 * with a random role), and classifies it: the roles, the entity column and its map (values of some of
 * the room's entities, others unmapped). The world then holds it as a document of kind `dataset`
 * (drawn last, as the upload numbers it: last in its folder) with its table. Returns the document,
 * or throws with the server's answer when the upload or classification fails.
 */
export async function uploadDataset(app: Express, g: Draw, world: World, managerToken: string): Promise<WorldDocument> {
  const room = pick(g, world.rooms);
  // Often where a grant of the room reaches, so outsiders have it more often than a random folder gives.
  const named = world.grants.filter((gr) => gr.roomId === room.id && gr.folderId !== null).map((gr) => gr.folderId!);
  const folderId = named.length && chance(g, 50) ? pick(g, named) : pick(g, world.folders.filter((f) => f.roomId === room.id)).id;
  const { labels, entityMap } = drawEntityLabels(g, room.entityIds);
  const kinds: ColumnKind[] = ['id', 'name', pick(g, ['isoDate', 'dayDate'] as const), pick(g, ['integer', 'decimal'] as const)];
  const sheet = drawSheet(g, 'Sheet1', { kinds, rows: g(fc.integer, { min: 25, max: 40 }), entityLabels: labels });
  const doc: WorldDocument = {
    id: '', roomId: room.id, folderId, entityId: pick(g, room.entityIds),
    classification: chance(g, 50) ? 'standard' : pick(g, CLASSIFICATIONS), personalData: pick(g, PERSONAL_DATA), kind: 'dataset',
  };
  const auth = `Bearer ${managerToken}`;
  const up = await request(app)
    .post(`/api/rooms/${room.id}/documents`)
    .set('Authorization', auth)
    .field('folderId', doc.folderId)
    .field('entityId', doc.entityId)
    .field('classification', doc.classification)
    .field('personalData', doc.personalData)
    .field('title', 'Census')
    .attach('file', csvOf(sheet.columns.map((c) => c.name), sheet.rows), 'census.csv');
  if (up.status !== 201 || up.body.kind !== 'dataset') throw new Error(`dataset upload: ${up.status} ${JSON.stringify(up.body)}`);
  doc.id = up.body.id;
  const classified = await request(app)
    .put(`/api/documents/${doc.id}/dataset`)
    .set('Authorization', auth)
    .send({ columns: sheet.columns.map((c) => ({ name: c.name, role: c.role })), entityColumn: { name: 'Entity' }, entityMap });
  if (classified.status !== 200) throw new Error(`dataset classification: ${classified.status} ${JSON.stringify(classified.body)}`);
  // The reader's own description: the sheet's name, and each column's type as inferred from its values.
  const described: { sheets: Array<{ name: string; rows: number; columns: Array<{ name: string; type: string; role: string }> }> } = classified.body;
  const stored = described.sheets[0]!;
  const expectedColumns = sheet.columns.map((c) => ({ name: c.name, type: c.type, role: c.role }));
  if (described.sheets.length !== 1 || stored.rows !== sheet.rows.length || JSON.stringify(stored.columns) !== JSON.stringify(expectedColumns)) {
    throw new Error(`dataset description: ${JSON.stringify(described.sheets)}, expected one sheet of ${sheet.rows.length} rows, columns ${JSON.stringify(expectedColumns)}`);
  }
  // Staged disclosure through the API: the upload is a draft (the rooms' default); most are published,
  // some withdrawn after publication, some left as drafts.
  doc.status = chance(g, 70) ? 'published' : pick(g, ['draft', 'withdrawn'] as const);
  if (doc.status !== 'draft') {
    const published = await request(app).post(`/api/rooms/${room.id}/publish`).set('Authorization', auth).send({ documentIds: [doc.id] });
    if (published.status !== 200 || published.body.published !== 1) throw new Error(`publish: ${published.status} ${JSON.stringify(published.body)}`);
  }
  if (doc.status === 'withdrawn') {
    const withdrawn = await request(app).post(`/api/documents/${doc.id}/withdraw`).set('Authorization', auth).send({ reason: 'property test' });
    if (withdrawn.status !== 200) throw new Error(`withdraw: ${withdrawn.status} ${JSON.stringify(withdrawn.body)}`);
  }
  const dataset: WorldDataset = { documentId: doc.id, sheets: [{ ...sheet, name: stored.name }], entityColumn: { sheet: 0, name: 'Entity' }, entityMap };
  world.documents.push(doc);
  world.datasets = [...(world.datasets ?? []), dataset];
  return doc;
}
