import { request } from '../../api.js';

/**
 * Return-or-destroy (docs/API.md, "Deal end"): a party whose access ended certifies that what its
 * people took was returned or destroyed. The deal team reads every party's request; a member reads
 * and certifies their own party's, even once the room is closed to them.
 */
export interface Certification {
  id: string;
  roomId: string;
  partyId: string;
  status: 'requested' | 'certified';
  reason: 'nda_terminated' | 'nda_expired' | 'room_closed';
  downloads: number;
  requestedAt: string;
  certifiedAt: string | null;
  certifiedBy: string | null;
  statement: string | null;
  /** The deal team only. */
  reminders?: number;
  lastRemindedAt?: string | null;
}

/** The server's cap (server/certifications/schema.ts). */
export const STATEMENT_MAX = 4000;

export const REASON_LABEL: Record<Certification['reason'], string> = {
  nda_terminated: 'NDA terminated',
  nda_expired: 'NDA expired',
  room_closed: 'Room closed',
};

const base = (roomId: string) => `/api/rooms/${encodeURIComponent(roomId)}/certifications`;

export const certificationsApi = {
  list: (roomId: string, signal?: AbortSignal) => request<{ items: Certification[] }>('GET', `${base(roomId)}?limit=1000`, { signal }),
  certify: (roomId: string, id: string, statement: string) => request<Certification>('POST', `${base(roomId)}/${encodeURIComponent(id)}/certify`, { body: { statement } }),
  certificateUrl: (roomId: string, id: string, format: 'json' | 'pdf') => `${base(roomId)}/${encodeURIComponent(id)}/${format === 'pdf' ? 'certificate.pdf' : 'certificate'}`,
};
