import { useId, useState, type FormEvent } from 'react';
import { api, CLASSIFICATIONS, LEVELS, messageOf, PERSONAL_DATA, serverHasRoute, type Classification, type Folder, type Grant, type Level, type Party, type PersonalData } from '../api.js';
import { useLoad } from '../hooks/use-load.js';
import { LoadView } from '../components/load-view.js';
import { Modal } from '../components/modal.js';
import { LevelBadge } from '../components/badges.js';
import { CLASSIFICATION_LABEL, LEVEL_HELP, LEVEL_LABEL, PERSONAL_DATA_LABEL, dateInputToIso, daysUntil, formatDate } from '../display-format.js';
import { sortFolders } from './folder-tree.js';
import type { RoomContext } from './room-context.js';
import { ViewAs } from './view-as.js';
import { GrantsImportDialog } from './grants-import-dialog.js';
import './documents/lifecycle.css';

interface Matrix {
  parties: Party[];
  folders: Folder[];
  grants: Grant[];
}

const load = async (roomId: string): Promise<Matrix> => {
  const [parties, folders, grants] = await Promise.all([api.parties(roomId), api.folders(roomId), api.grants(roomId)]);
  return { parties: parties.items, folders: sortFolders(folders.items), grants: grants.items };
};

/** A grant on a folder covers its whole subtree: "1" covers "1.2" and "1.2.3". */
const covers = (ancestor: Folder | null, folder: Folder | null) => !ancestor || (!!folder && folder.index.startsWith(ancestor.index + '.'));

export function PermissionsTab({ ctx }: { ctx: RoomContext }) {
  const [matrix, reload] = useLoad(() => load(ctx.room.id), [ctx.room.id]);
  const [adding, setAdding] = useState<{ party: Party; folder: Folder | null } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [accessApi] = useLoad(() => serverHasRoute('GET /api/rooms/{roomId}/access'), []);
  // The matrix as a spreadsheet, out and back in: parts of the API that land separately.
  const [sheetApi] = useLoad(async () => {
    const [exports, imports] = await Promise.all([serverHasRoute('GET /api/rooms/{roomId}/grants.xlsx'), serverHasRoute('POST /api/rooms/{roomId}/grants/import')]);
    return { exports, imports };
  }, []);
  const [importing, setImporting] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const canEdit = ctx.can.manageGrants && ctx.room.status === 'open';
  const canExport = ctx.can.readGrants && sheetApi.state === 'ready' && sheetApi.data.exports;
  const canImport = canEdit && sheetApi.state === 'ready' && sheetApi.data.imports;

  async function revoke(grant: Grant) {
    setError(null);
    try {
      await api.deleteGrant(ctx.room.id, grant.id);
      reload();
    } catch (err) {
      setError(messageOf(err));
    }
  }

  return (
    <LoadView load={matrix} retry={reload} label="permissions">
      {(m) => {
        const byId = new Map(m.folders.map((f) => [f.id, f]));
        const rows: Array<Folder | null> = [null, ...m.folders];
        const label = (f: Folder | null) => (f ? `${f.index} ${f.name}` : 'Whole room');
        return (
          <div className="stack">
            {error && <p role="alert" className="alert alert-error">{error}</p>}
            <section className="panel section" aria-labelledby="matrix-title">
              <div className="section-head">
                <div>
                  <h2 id="matrix-title" className="section-title">Permissions</h2>
                  <p className="section-help">
                    A grant gives a party a level on a folder and everything below it, up to a classification and a personal-data limit. Bidders see nothing until a confirmed NDA covers them.
                  </p>
                </div>
                {(canExport || canImport) && (
                  <div className="toolbar-actions">
                    {canExport && <a className="button button-secondary button-small" href={api.grantsXlsxUrl(ctx.room.id)} download>Export permissions</a>}
                    {canImport && <button type="button" className="button button-secondary button-small" onClick={() => { setNotice(null); setImporting(true); }}>Import permissions</button>}
                  </div>
                )}
              </div>
              <p role="status" className="documents-notice">{notice}</p>
              {m.parties.length === 0 ? (
                <p className="empty-inline">Invite a party first (Parties &amp; team).</p>
              ) : (
                <div className="table-wrap">
                  <table className="table matrix">
                    <thead>
                      <tr>
                        <th scope="col">Folder</th>
                        {m.parties.map((p) => <th key={p.id} scope="col">{p.name}</th>)}
                      </tr>
                    </thead>
                    <tbody>
                      {rows.map((folder) => (
                        <tr key={folder?.id ?? 'room'}>
                          <th scope="row" className={folder ? `matrix-folder folder-depth-${Math.min(folder.index.split('.').length - 1, 5)}` : 'matrix-folder'}>
                            {folder && <span className="folder-index">{folder.index}</span>} {folder ? folder.name : <em>Whole room</em>}
                          </th>
                          {m.parties.map((p) => {
                            const own = m.grants.filter((g) => g.partyId === p.id && (g.folderId ?? null) === (folder?.id ?? null));
                            const inherited = m.grants.filter((g) => g.partyId === p.id && g.folderId !== (folder?.id ?? null) && covers(g.folderId ? byId.get(g.folderId) ?? null : null, folder));
                            return (
                              <td key={p.id} className="matrix-cell">
                                {own.map((g) => (
                                  <div key={g.id} className="grant">
                                    <LevelBadge value={g.level} />
                                    <span className="grant-limits">
                                      up to {CLASSIFICATION_LABEL[g.maxClassification].toLowerCase()}; {g.maxPersonalData === 'none' ? 'no personal data' : `${g.maxPersonalData} personal data`}
                                      {g.expiresAt && <span className={daysUntil(g.expiresAt) < 0 ? 'grant-expired' : ''}>; {daysUntil(g.expiresAt) < 0 ? 'expired' : 'until'} {formatDate(g.expiresAt)}</span>}
                                    </span>
                                    {canEdit && (
                                      <button type="button" className="icon-button icon-button-small" onClick={() => void revoke(g)} aria-label={`Revoke ${p.name}'s ${g.level} grant on ${label(folder)}`}>
                                        ×
                                      </button>
                                    )}
                                  </div>
                                ))}
                                {own.length === 0 && inherited.length > 0 && <span className="grant-inherited">Inherited</span>}
                                {canEdit && (
                                  <button type="button" className="button button-ghost button-small matrix-add" onClick={() => setAdding({ party: p, folder })} aria-label={`Grant ${p.name} access to ${label(folder)}`}>
                                    + Grant
                                  </button>
                                )}
                              </td>
                            );
                          })}
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              )}
            </section>
            <LoadView load={accessApi} label="access checks">
              {(present) => ctx.can.explainAccess && <ViewAs ctx={ctx} parties={m.parties} available={present} />}
            </LoadView>
            {importing && (
              <GrantsImportDialog
                roomId={ctx.room.id}
                onClose={() => setImporting(false)}
                onApplied={(message) => {
                  setImporting(false);
                  setNotice(message);
                  reload();
                }}
              />
            )}
            {adding && <GrantDialog ctx={ctx} party={adding.party} folder={adding.folder} onClose={() => setAdding(null)} onDone={() => { setAdding(null); reload(); }} />}
          </div>
        );
      }}
    </LoadView>
  );
}

function GrantDialog({ ctx, party, folder, onClose, onDone }: { ctx: RoomContext; party: Party; folder: Folder | null; onClose: () => void; onDone: () => void }) {
  const id = useId();
  const [level, setLevel] = useState<Level>('view');
  const [maxClassification, setClass] = useState<Classification>('standard');
  const [maxPersonalData, setPd] = useState<PersonalData>('none');
  const [expires, setExpires] = useState('');
  const [error, setError] = useState<string | null>(null);
  async function submit(e: FormEvent) {
    e.preventDefault();
    try {
      await api.createGrant(ctx.room.id, { partyId: party.id, folderId: folder?.id ?? null, level, maxClassification, maxPersonalData, expiresAt: expires ? dateInputToIso(expires) : null });
      onDone();
    } catch (err) {
      setError(messageOf(err));
    }
  }
  return (
    <Modal title={`Grant ${party.name} access to ${folder ? `${folder.index} ${folder.name}` : 'the whole room'}`} onClose={onClose}>
      <form className="form" onSubmit={submit} noValidate>
        {error && <p role="alert" className="alert alert-error">{error}</p>}
        <div className="field">
          <label htmlFor={`${id}-level`}>Access level</label>
          <select id={`${id}-level`} value={level} onChange={(e) => setLevel(e.target.value as Level)}>
            {LEVELS.map((l) => <option key={l} value={l}>{LEVEL_LABEL[l]} — {LEVEL_HELP[l]}</option>)}
          </select>
        </div>
        <div className="field-row">
          <div className="field">
            <label htmlFor={`${id}-class`}>Up to classification</label>
            <select id={`${id}-class`} value={maxClassification} onChange={(e) => setClass(e.target.value as Classification)}>
              {CLASSIFICATIONS.map((c) => <option key={c} value={c}>{CLASSIFICATION_LABEL[c]}</option>)}
            </select>
          </div>
          <div className="field">
            <label htmlFor={`${id}-pd`}>Up to personal data</label>
            <select id={`${id}-pd`} value={maxPersonalData} onChange={(e) => setPd(e.target.value as PersonalData)}>
              {PERSONAL_DATA.map((p) => <option key={p} value={p}>{PERSONAL_DATA_LABEL[p]}</option>)}
            </select>
          </div>
        </div>
        <div className="field">
          <label htmlFor={`${id}-exp`}>Expires on (optional)</label>
          <input id={`${id}-exp`} type="date" value={expires} onChange={(e) => setExpires(e.target.value)} />
        </div>
        <div className="form-actions">
          <button type="button" className="button button-secondary" onClick={onClose}>Cancel</button>
          <button type="submit" className="button button-primary">Save grant</button>
        </div>
      </form>
    </Modal>
  );
}
