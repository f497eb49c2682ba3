import { useId, useState } from 'react';
import { useLoad } from '../../hooks/use-load.js';
import { LoadView } from '../../components/load-view.js';
import { formatTime } from '../../display-format.js';
import type { RoomContext } from '../room-context.js';
import { engagementApi, type EngagementItem } from './engagement-api.js';
import { formatDuration, lookedAtOf, windowOf } from './engagement-format.js';
import { HeatMap, HeatMapTable, type HeatMapFigures, type Selection } from './heat-map.js';
import { PartyDrillDown } from './party-drill-down.js';
import { PartyTimeline, type PartyDays } from './party-timeline.js';
import './engagement.css';

interface Figures {
  heatMap: HeatMapFigures;
  timeline: PartyDays[];
}

/** Every party's figures: its totals, its folders (the heat map's row) and its days (the timeline). */
async function loadFigures(roomId: string, period: { from?: string; to?: string }, signal: AbortSignal): Promise<Figures> {
  const parties = (await engagementApi.figures(roomId, { by: 'party', ...period }, signal)).items;
  const perParty = await Promise.all(
    parties.map(async (p) => {
      const [folders, days] = await Promise.all([
        engagementApi.figures(roomId, { by: 'folder', partyId: p.key, ...period }, signal),
        engagementApi.figures(roomId, { by: 'day', partyId: p.key, ...period }, signal),
      ]);
      return { party: p, folders: folders.items, days: days.items };
    }),
  );
  // Every party's answer names every folder of the room, in index order.
  const folders = (perParty[0]?.folders ?? []).map((f) => ({ id: f.key, label: f.label }));
  const cells = new Map(perParty.map(({ party, folders: rows }) => [party.key, new Map(rows.map((r) => [r.key, r]))]));
  return {
    heatMap: { parties, folders, cells },
    timeline: perParty.map(({ party, days }) => ({ partyId: party.key, label: party.label, days })),
  };
}

/**
 * Engagement (the deal team's and counsel's): which party looks at what, against what it may see.
 * A heat map of parties × folders, each party's figures, a drill-down to its documents and people,
 * and a timeline per party; all of it over a period, and exportable as CSV.
 */
export function EngagementTab({ ctx }: { ctx: RoomContext }) {
  const id = useId();
  const roomId = ctx.room.id;
  const [fromDay, setFromDay] = useState('');
  const [toDay, setToDay] = useState('');
  const [selection, setSelection] = useState<Selection | null>(null);
  const reversed = fromDay !== '' && toDay !== '' && toDay < fromDay;
  const period = reversed ? {} : windowOf(fromDay, toDay);
  const [load, reload] = useLoad((signal) => loadFigures(roomId, period, signal), [roomId, period.from, period.to]);

  return (
    <div className="stack">
      <section className="panel section" aria-labelledby={`${id}-title`}>
        <div className="section-head">
          <div>
            <h2 id={`${id}-title`} className="section-title">Engagement</h2>
            <p className="section-help">
              What each party's people looked at, against what the party may see now. A document counts as looked at once someone of the party viewed or downloaded it; pages and reading time are what their viewers reported. Days are UTC.
            </p>
          </div>
          <a className="button button-secondary" href={engagementApi.csvUrl(roomId, { by: 'party', ...period })} download>Export CSV</a>
        </div>
        <div className="filters" role="group" aria-label="Period">
          <div className="field">
            <label htmlFor={`${id}-from`}>From</label>
            <input id={`${id}-from`} type="date" value={fromDay} max={toDay || undefined} onChange={(e) => setFromDay(e.target.value)} />
          </div>
          <div className="field">
            <label htmlFor={`${id}-to`}>To</label>
            <input id={`${id}-to`} type="date" value={toDay} min={fromDay || undefined} onChange={(e) => setToDay(e.target.value)} aria-invalid={reversed || undefined} aria-describedby={reversed ? `${id}-to-error` : undefined} />
            {reversed && <p id={`${id}-to-error`} className="field-error">The end of the period is before its start: the figures are of all time.</p>}
          </div>
          {(fromDay || toDay) && (
            <button type="button" className="button button-secondary" onClick={() => { setFromDay(''); setToDay(''); }}>All time</button>
          )}
        </div>
        <LoadView load={load} retry={reload} label="engagement">
          {({ heatMap }) =>
            heatMap.parties.length === 0 ? (
              <p className="empty-inline">No party has been invited to this room yet.</p>
            ) : (
              <PartySummary parties={heatMap.parties} onSelect={(partyId) => setSelection({ partyId, folderId: null })} />
            )
          }
        </LoadView>
      </section>

      {load.state === 'ready' && load.data.heatMap.parties.length > 0 && (
        <>
          <section className="panel section" aria-labelledby={`${id}-map`}>
            <div className="section-head">
              <div>
                <h2 id={`${id}-map`} className="section-title">Parties × folders</h2>
                <p className="section-help">Each cell: documents of the folder the party looked at / those it may see. The darker, the more of it was looked at. Select a cell to see its documents and people.</p>
              </div>
            </div>
            {load.data.heatMap.folders.length === 0 ? (
              <p className="empty-inline">The room has no folders yet.</p>
            ) : (
              <>
                <HeatMap figures={load.data.heatMap} onSelect={setSelection} />
                <details className="engagement-figures">
                  <summary>The heat map as a table</summary>
                  <HeatMapTable figures={load.data.heatMap} onSelect={setSelection} caption="Documents looked at of those each party may see, per folder" />
                </details>
              </>
            )}
          </section>
          {selection && (
            <PartyDrillDown
              key={`${selection.partyId}-${selection.folderId ?? ''}`}
              roomId={roomId}
              selection={selection}
              partyLabel={load.data.heatMap.parties.find((p) => p.key === selection.partyId)?.label ?? 'Party'}
              folderLabel={selection.folderId ? (load.data.heatMap.folders.find((f) => f.id === selection.folderId)?.label ?? 'Folder') : null}
              period={period}
              onAllFolders={() => setSelection({ partyId: selection.partyId, folderId: null })}
              onClose={() => setSelection(null)}
            />
          )}
          <section className="panel section" aria-labelledby={`${id}-timeline`}>
            <div className="section-head">
              <div>
                <h2 id={`${id}-timeline`} className="section-title">Timeline</h2>
                <p className="section-help">Each party's activity, day by day.</p>
              </div>
            </div>
            <PartyTimeline parties={load.data.timeline} />
          </section>
        </>
      )}
    </div>
  );
}

function PartySummary({ parties, onSelect }: { parties: EngagementItem[]; onSelect: (partyId: string) => void }) {
  return (
    <div className="table-wrap">
      <table className="table">
        <caption className="visually-hidden">Each party's engagement</caption>
        <thead>
          <tr>
            <th scope="col">Party</th>
            <th scope="col" className="num">Looked at</th>
            <th scope="col" className="num">Views</th>
            <th scope="col" className="num">Downloads</th>
            <th scope="col" className="num">People</th>
            <th scope="col" className="num">Pages read</th>
            <th scope="col" className="num">Time reading</th>
            <th scope="col">Last activity</th>
          </tr>
        </thead>
        <tbody>
          {parties.map((p) => (
            <tr key={p.key}>
              <th scope="row">
                <button type="button" className="button-link" onClick={() => onSelect(p.key)} aria-label={`${p.label}: documents and people`}>{p.label}</button>
              </th>
              <td className="num" title={`${p.documents} of the ${p.visible} documents the party may see`}>{lookedAtOf(p)}</td>
              <td className="num">{p.views}</td>
              <td className="num">{p.downloads}</td>
              <td className="num">{p.users}</td>
              <td className="num">{p.pagesViewed}</td>
              <td className="num">{formatDuration(p.seconds)}</td>
              <td className="nowrap">{formatTime(p.lastAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
