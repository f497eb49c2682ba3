import type { Db } from '../db.js';
import { personalDataRank } from '../ranks.js';
import type { DisclosureFilters } from './schema.js';

/** Deliveries of one document to one user under one set of NDAs, summed up by the database. */
export interface DeliveryGroup {
  orgId: string;
  orgName: string;
  documentId: string;
  title: string;
  entityId: string;
  entityName: string;
  personalDataRank: number;
  userId: string;
  userName: string;
  userEmail: string;
  ndaIds: string | null;
  count: number | string;
  first: string;
  last: string;
}

/**
 * Deliveries (views and downloads, stamped or original) of the room's documents to users of
 * organisations outside the seller group, grouped as far as SQL can: per organisation, document,
 * user and the NDA set recorded with each delivery. The seller's own staff are not recipients.
 */
export async function deliveryGroups(db: Db, roomId: string, f: DisclosureFilters): Promise<DeliveryGroup[]> {
  const q = db('downloads as dl')
    .join('documents as d', 'd.id', 'dl.documentId')
    .join('orgs as o', 'o.id', 'dl.orgId')
    .join('users as u', 'u.id', 'dl.userId')
    .join('entities as e', 'e.id', 'd.entityId')
    .where('dl.roomId', roomId)
    .whereNot('o.kind', 'seller')
    .groupBy('dl.orgId', 'o.name', 'dl.documentId', 'd.title', 'd.entityId', 'e.name', 'd.personalDataRank', 'dl.userId', 'u.name', 'u.email', 'dl.ndaIds')
    .select(
      'dl.orgId',
      'o.name as orgName',
      'dl.documentId',
      'd.title',
      'd.entityId',
      'e.name as entityName',
      'd.personalDataRank',
      'dl.userId',
      'u.name as userName',
      'u.email as userEmail',
      'dl.ndaIds',
    )
    .count({ count: '*' })
    .min({ first: 'dl.at' })
    .max({ last: 'dl.at' });
  if (f.entityId) q.where('d.entityId', f.entityId);
  if (f.orgId) q.where('dl.orgId', f.orgId);
  if (f.documentId) q.where('dl.documentId', f.documentId);
  if (f.personalData) q.whereIn('d.personalDataRank', f.personalData.map(personalDataRank));
  return (await q) as DeliveryGroup[];
}

/** A dataset delivery of the room (server/datasets: what it held), with its recipient and the stored version it was cut from. */
export interface DatasetDeliveryOfRoom {
  downloadId: string;
  documentId: string;
  versionId: string;
  partyId: string | null;
  form: 'identified' | 'pseudonymised' | 'none';
  /** `csv`, `xlsx`, or `rows` for a page of the grid viewer. */
  format: string;
  entityIds: string | null;
  classification: string;
  userId: string;
  orgId: string;
  orgName: string;
  at: string;
  objectKey: string;
  /** The version's dataset description (JSON). */
  description: string;
}

/**
 * Every dataset delivery (downloads, inline views and grid pages) of the room to users of
 * organisations outside the seller group — the recipients, as in the register above — oldest first.
 */
export async function datasetDeliveriesOfRoom(db: Db, roomId: string): Promise<DatasetDeliveryOfRoom[]> {
  return db('datasetDeliveries as dd')
    .join('downloads as dl', 'dl.id', 'dd.downloadId')
    .join('orgs as o', 'o.id', 'dl.orgId')
    .join('documentVersions as v', 'v.id', 'dd.versionId')
    .join('datasetDescriptions as dsd', 'dsd.versionId', 'dd.versionId')
    .where('dd.roomId', roomId)
    .whereIn('dl.kind', ['download', 'view'])
    .whereNot('o.kind', 'seller')
    .where('dsd.status', 'ready')
    .orderBy('dl.at')
    .orderBy('dl.id')
    .select(
      'dd.downloadId', 'dd.documentId', 'dd.versionId', 'dd.partyId', 'dd.form', 'dd.format', 'dd.entityIds', 'dd.classification',
      'dl.userId', 'dl.orgId', 'o.name as orgName', 'dl.at', 'v.objectKey', 'dsd.description',
    );
}
