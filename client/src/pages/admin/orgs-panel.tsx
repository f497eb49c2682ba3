import { useId, useState } from 'react';
import { adminApi, type Org, type OrgKind } from '../../api.js';
import { LoadView } from '../../components/load-view.js';
import { useCursorList } from './use-cursor-list.js';
import { useDebouncedValue } from './use-debounced-value.js';
import { LoadMore } from './load-more.js';
import { SearchFilter } from './search-filter.js';
import { OrgDialog } from './org-dialog.js';
import { OrgSsoDialog } from './org-sso-dialog.js';
import { Notice } from './notice.js';
import { ORG_KIND_LABEL, ORG_KINDS } from './directory-labels.js';

/** Organisations by kind: the seller group, the acquirers and their advisors. */
export function OrgsPanel() {
  const id = useId();
  const [search, setSearch] = useState('');
  const [kind, setKind] = useState<OrgKind | ''>('');
  const q = useDebouncedValue(search.trim());
  const list = useCursorList((cursor, signal) => adminApi.orgs({ q, kind, cursor }, signal), [q, kind]);
  const [dialog, setDialog] = useState<{ kind: 'create' } | { kind: 'rename'; org: Org } | { kind: 'sso'; org: Org } | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  return (
    <section className="panel section" aria-labelledby={`${id}-title`}>
      <div className="section-head">
        <div>
          <h2 id={`${id}-title`} className="section-title">Organisations</h2>
          <p className="section-help">Every person belongs to one. A bidder party is one acquirer with its advisors; NDAs are signed by organisations.</p>
        </div>
        <button type="button" className="button button-primary" onClick={() => setDialog({ kind: 'create' })}>New organisation</button>
      </div>
      <div className="filters" role="group" aria-label="Filter organisations">
        <SearchFilter label="Search organisations" placeholder="Name" value={search} onChange={setSearch} />
        <div className="field">
          <label htmlFor={`${id}-kind`}>Kind</label>
          <select id={`${id}-kind`} value={kind} onChange={(e) => setKind(e.target.value as OrgKind | '')}>
            <option value="">All kinds</option>
            {ORG_KINDS.map((k) => <option key={k} value={k}>{ORG_KIND_LABEL[k]}</option>)}
          </select>
        </div>
      </div>
      <Notice text={notice} />
      <LoadView load={list.load} retry={list.reload} label="organisations">
        {(orgs) =>
          orgs.length === 0 ? (
            <p className="empty-inline">{q || kind ? 'No organisation matches.' : 'No organisations yet.'}</p>
          ) : (
            <div className="table-wrap">
              <table className="table" aria-labelledby={`${id}-title`}>
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Kind</th>
                    <th scope="col"><span className="visually-hidden">Actions</span></th>
                  </tr>
                </thead>
                <tbody>
                  {orgs.map((org) => (
                    <tr key={org.id}>
                      <td>{org.name}</td>
                      <td><span className={org.kind === 'seller' ? 'badge badge-role' : org.kind === 'acquirer' ? 'badge badge-info' : 'badge badge-neutral'}>{ORG_KIND_LABEL[org.kind]}</span></td>
                      <td className="row-actions admin-actions">
                        <button type="button" className="button button-ghost button-small" onClick={() => setDialog({ kind: 'rename', org })} aria-label={`Rename ${org.name}`}>Rename</button>
                        <button type="button" className="button button-ghost button-small" onClick={() => setDialog({ kind: 'sso', org })} aria-label={`Single sign-on for ${org.name}`}>Single sign-on</button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )
        }
      </LoadView>
      <LoadMore list={list} what="organisations" />
      {dialog?.kind === 'sso' && (
        <OrgSsoDialog
          org={dialog.org}
          onClose={() => setDialog(null)}
          onChanged={(sso) => {
            setDialog(null);
            setNotice(sso ? `Single sign-on is on for ${dialog.org.name} (${sso.domains.join(', ')}).` : `Single sign-on is off for ${dialog.org.name}.`);
          }}
        />
      )}
      {dialog && dialog.kind !== 'sso' && (
        <OrgDialog
          org={dialog.kind === 'rename' ? dialog.org : null}
          onClose={() => setDialog(null)}
          onSaved={(org, created) => {
            setDialog(null);
            setNotice(created ? `${org.name} added.` : `Renamed to ${org.name}.`);
            if (created) list.reload();
            else list.replace(org);
          }}
        />
      )}
    </section>
  );
}
