import { useState } from 'react';
import { api, messageOf, type Nda } from '../../api.js';
import { useLoad } from '../../hooks/use-load.js';
import { LoadView } from '../../components/load-view.js';
import type { RoomContext } from '../room-context.js';
import { loadRegister } from './nda-register.js';
import { NdaExpiryWarning } from './nda-expiry-warning.js';
import { NdaRegisterTable } from './nda-register-table.js';
import { RegisterNdaDialog } from './register-nda-dialog.js';
import { NdaDecisionDialog } from './nda-decision-dialog.js';

/** The room's NDA register (for a member: their own organisation's agreements), and counsel's decisions on it. */
export function NdasTab({ ctx }: { ctx: RoomContext }) {
  const [load, reload] = useLoad(() => loadRegister(ctx), [ctx.room.id]);
  const [registering, setRegistering] = useState(false);
  const [deciding, setDeciding] = useState<{ nda: Nda; action: 'reject' | 'terminate' } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const staff = ctx.can.readNdaRegister;

  async function confirm(nda: Nda) {
    setError(null);
    setNotice(null);
    try {
      await api.confirmNda(ctx.room.id, nda.id);
      setNotice('NDA confirmed. The covered organisation has access from now on, within its party\'s permissions.');
      reload();
    } catch (err) {
      setError(messageOf(err));
    }
  }

  return (
    <LoadView load={load} retry={reload} label="NDA register">
      {(reg) => (
        <div className="stack">
          {error && <p role="alert" className="alert alert-error">{error}</p>}
          {notice && <p role="status" className="alert alert-success">{notice}</p>}
          <NdaExpiryWarning reg={reg} />
          <section className="panel section" aria-labelledby="ndas-title">
            <div className="section-head">
              <div>
                <h2 id="ndas-title" className="section-title">{staff ? 'NDA register' : "Your organisation's agreements"}</h2>
                {staff && (
                  <p className="section-help">
                    Four-eyes: an NDA is confirmed by a counsel of this room who did not register it. Until then it gives no access. Terminating it ends the access it gave on the very next request.
                  </p>
                )}
              </div>
              {ctx.can.registerNdas && ctx.room.status === 'open' && (
                <button type="button" className="button button-primary" onClick={() => setRegistering(true)}>Register NDA</button>
              )}
            </div>
            {reg.ndas.length === 0 ? (
              <p className="empty-inline">No NDAs registered yet.</p>
            ) : (
              <NdaRegisterTable ctx={ctx} reg={reg} onConfirm={(n) => void confirm(n)} onDecide={(nda, action) => setDeciding({ nda, action })} />
            )}
          </section>
          {registering && <RegisterNdaDialog ctx={ctx} orgs={[...reg.orgs.values()]} onClose={() => setRegistering(false)} onDone={() => { setRegistering(false); setNotice('NDA registered. Another counsel must now confirm it.'); reload(); }} />}
          {deciding && (
            <NdaDecisionDialog
              ctx={ctx}
              nda={deciding.nda}
              action={deciding.action}
              orgName={reg.orgs.get(deciding.nda.orgId)?.name ?? 'the organisation'}
              onClose={() => setDeciding(null)}
              onDone={() => { setDeciding(null); reload(); }}
            />
          )}
        </div>
      )}
    </LoadView>
  );
}
