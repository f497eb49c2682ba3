import type { Org, OrgKind } from '../../api.js';
import type { ControlProps } from './form-field.js';
import { ORG_KIND_LABEL, ORG_KINDS } from './directory-labels.js';

/** Organisations grouped by kind, so the seller group's own people and outsiders are never confused. */
export function OrgSelect({ control, orgs, kinds = ORG_KINDS, value, onChange }: { control: ControlProps; orgs: Org[]; kinds?: OrgKind[]; value: string; onChange: (orgId: string) => void }) {
  return (
    <select {...control} value={value} onChange={(e) => onChange(e.target.value)}>
      <option value="">Choose an organisation…</option>
      {kinds.map((kind) => {
        const ofKind = orgs.filter((o) => o.kind === kind);
        return ofKind.length === 0 ? null : (
          <optgroup key={kind} label={ORG_KIND_LABEL[kind]}>
            {ofKind.map((o) => <option key={o.id} value={o.id}>{o.name}</option>)}
          </optgroup>
        );
      })}
    </select>
  );
}
