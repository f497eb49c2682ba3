import { useId, useMemo, useState } from 'react';
import { EChart, type ChartOption } from './echart.js';
import type { EngagementItem } from './engagement-api.js';

/** What a timeline counts per day. */
const METRICS = {
  documents: { label: 'Documents looked at', of: (i: EngagementItem) => i.documents },
  views: { label: 'Views', of: (i: EngagementItem) => i.views },
  downloads: { label: 'Downloads', of: (i: EngagementItem) => i.downloads },
  pagesViewed: { label: 'Pages read', of: (i: EngagementItem) => i.pagesViewed },
  minutes: { label: 'Minutes reading', of: (i: EngagementItem) => Math.round(i.seconds / 60) },
} as const;
type Metric = keyof typeof METRICS;

/** A party's days: the by=day rows of its figures. */
export interface PartyDays {
  partyId: string;
  label: string;
  days: EngagementItem[];
}

const DAY_MS = 86_400_000;
/** One colour per party, distinct at a glance and dark enough on white. */
const PARTY_COLOURS = ['#14325c', '#c2410c', '#0f766e', '#7c3aed', '#a16207', '#be185d', '#1d4ed8', '#4d7c0f'];
/** Days between the first and the last with activity are drawn as zero up to this span; past it, only days with activity. */
const MAX_FILLED_DAYS = 400;

/** Every UTC day from the first to the last with activity (days without any count as zero). */
function daysOf(parties: PartyDays[]): string[] {
  const active = [...new Set(parties.flatMap((p) => p.days.map((d) => d.key)))].sort();
  if (active.length < 2) return active;
  const first = Date.parse(`${active[0]}T00:00:00.000Z`);
  const last = Date.parse(`${active[active.length - 1]}T00:00:00.000Z`);
  if ((last - first) / DAY_MS > MAX_FILLED_DAYS) return active;
  const all: string[] = [];
  for (let t = first; t <= last; t += DAY_MS) all.push(new Date(t).toISOString().slice(0, 10));
  return all;
}

function option(parties: PartyDays[], days: string[], metric: Metric): ChartOption {
  return {
    animation: false,
    color: PARTY_COLOURS,
    grid: { left: 8, right: 16, top: 40, bottom: 8, containLabel: true },
    legend: { top: 0, type: 'plain' },
    tooltip: { trigger: 'axis', renderMode: 'richText' },
    xAxis: { type: 'category', data: days, boundaryGap: false },
    yAxis: { type: 'value', minInterval: 1 },
    series: parties.map((p) => {
      const byDay = new Map(p.days.map((d) => [d.key, METRICS[metric].of(d)]));
      return { type: 'line', name: p.label, data: days.map((d) => byDay.get(d) ?? 0), showSymbol: days.length <= 60 };
    }),
  };
}

/** Each party's activity day by day (UTC), one line per party, with the same figures as a table. */
export function PartyTimeline({ parties }: { parties: PartyDays[] }) {
  const id = useId();
  const [metric, setMetric] = useState<Metric>('documents');
  const days = useMemo(() => daysOf(parties), [parties]);
  const chartOption = useMemo(() => option(parties, days, metric), [parties, days, metric]);
  const active = days.filter((d) => parties.some((p) => p.days.some((x) => x.key === d)));
  return (
    <div className="stack">
      <div className="filters" role="group" aria-label="What the timeline counts">
        <div className="field">
          <label htmlFor={`${id}-metric`}>Count per day</label>
          <select id={`${id}-metric`} value={metric} onChange={(e) => setMetric(e.target.value as Metric)}>
            {Object.entries(METRICS).map(([key, m]) => <option key={key} value={key}>{m.label}</option>)}
          </select>
        </div>
      </div>
      {days.length === 0 ? (
        <p className="empty-inline">No party has looked at anything in this period.</p>
      ) : (
        <>
          <div className="engagement-timeline">
            <EChart option={chartOption} className="engagement-chart" />
          </div>
          <details className="engagement-figures">
            <summary>The timeline as a table</summary>
            <div className="table-wrap">
              <table className="table">
                <caption className="visually-hidden">{METRICS[metric].label} per day and party</caption>
                <thead>
                  <tr>
                    <th scope="col">Day (UTC)</th>
                    {parties.map((p) => <th key={p.partyId} scope="col" className="num">{p.label}</th>)}
                  </tr>
                </thead>
                <tbody>
                  {active.map((day) => (
                    <tr key={day}>
                      <th scope="row" className="nowrap">{day}</th>
                      {parties.map((p) => {
                        const item = p.days.find((d) => d.key === day);
                        return <td key={p.partyId} className="num">{item ? METRICS[metric].of(item) : 0}</td>;
                      })}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </details>
        </>
      )}
    </div>
  );
}
