import { api, serverHasRoute, type Disclosure } from '../api.js';
import { useLoad } from '../hooks/use-load.js';
import { LoadView, NotAvailable } from '../components/load-view.js';
import { PersonalDataBadge } from '../components/badges.js';
import { formatTime } from '../display-format.js';
import type { RoomContext } from './room-context.js';

const userLabel = (u: Disclosure['users'][number]) => (typeof u === 'string' ? u : u.name ?? u.email ?? u.id ?? '');

/** What left the room, to whom, under which NDA — the register counsel answer regulators from. */
export function DisclosuresTab({ ctx }: { ctx: RoomContext }) {
  const [load, reload] = useLoad(async () => {
    if (!(await serverHasRoute('GET /api/rooms/{roomId}/disclosures'))) return null;
    return (await api.disclosures(ctx.room.id)).items;
  }, [ctx.room.id]);
  return (
    <LoadView load={load} retry={reload} label="disclosure register">
      {(items) =>
        items === null ? (
          <NotAvailable what="The disclosure register" />
        ) : (
          <section className="panel section" aria-labelledby="disc-title">
            <div className="section-head">
              <div>
                <h2 id="disc-title" className="section-title">Disclosure register</h2>
                <p className="section-help">Every document that left the room, per receiving organisation, with the NDAs that covered it.</p>
              </div>
              <a className="button button-secondary" href={api.disclosuresCsvUrl(ctx.room.id)} download>Export CSV</a>
            </div>
            {items.length === 0 ? (
              <p className="empty-inline">Nothing has left this room yet.</p>
            ) : (
              <div className="table-wrap">
                <table className="table">
                  <thead>
                    <tr>
                      <th scope="col">Organisation</th>
                      <th scope="col">Document</th>
                      <th scope="col">People</th>
                      <th scope="col" className="num">Deliveries</th>
                      <th scope="col">First</th>
                      <th scope="col">Last</th>
                      <th scope="col" className="num">NDAs</th>
                    </tr>
                  </thead>
                  <tbody>
                    {items.map((d, i) => (
                      <tr key={`${d.orgId}-${d.documentId}-${i}`}>
                        <td><strong>{d.orgName}</strong></td>
                        <td>{d.title} <PersonalDataBadge value={d.personalData} /></td>
                        <td>{d.users.map(userLabel).join(', ')}</td>
                        <td className="num">{d.count}</td>
                        <td className="nowrap">{formatTime(d.first)}</td>
                        <td className="nowrap">{formatTime(d.last)}</td>
                        <td className="num">{d.ndaIds.length}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </section>
        )
      }
    </LoadView>
  );
}
