import type { Room } from '../../api.js';
import type { ColumnTreatment } from './dataset-api.js';

const list = (names: string[]) => names.join(', ');

/** Above the grid: whose copy this is, and for an external user what was done to it. */
export function CopyNote({ staff, room, columns, treatments }: { staff: boolean; room: Room; columns: string[]; treatments: Record<string, ColumnTreatment> | null }) {
  if (staff) {
    return (
      <p className="dataset-note">
        You see the deal team’s copy: every row, those of values mapped to no entity included, and every column as stored. Each bidder gets a copy of their own,
        shaped by the column classification, their grants and their NDAs.
      </p>
    );
  }
  // The server says what it did to each column of this copy (/rows).
  const pseudonymised = columns.filter((c) => treatments?.[c] === 'pseudonymised');
  const generalised = columns.filter((c) => treatments?.[c] === 'generalised');
  const covered = room.nda?.entityIds.length ?? 0;
  const targets = room.entityIds?.length ?? 0;
  return (
    <div className="dataset-note" role="note" aria-label="What was done to your copy">
      <p className="dataset-note-title">What was done to your copy</p>
      <ul className="dataset-note-list">
        <li>
          Rows: only those of the {covered === 1 ? 'entity' : `${covered} entities`} your organisation’s NDA covers
          {targets > covered ? ` (of the ${targets} entities in this deal)` : ''}.
        </li>
        {pseudonymised.length > 0 && (
          <li>
            Pseudonymised: <strong>{list(pseudonymised)}</strong> — each value is replaced by a pseudonym (P-…), the same one for everyone in your party and in every
            download, so rows can still be joined.
          </li>
        )}
        {generalised.length > 0 && (
          <li>
            Generalised: <strong>{list(generalised)}</strong> — dates are shown as their year, numbers as a band, text as its first characters.
          </li>
        )}
        <li>Columns of personal data your party’s permission does not include are left out; every other value is as stored.</li>
      </ul>
      <p className="dataset-note-foot">Every page you view is recorded. A download is a copy made for you alone, which identifies you.</p>
    </div>
  );
}
