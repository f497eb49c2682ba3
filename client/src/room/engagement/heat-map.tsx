import { useMemo } from 'react';
import { EChart, type ChartOption } from './echart.js';
import type { EngagementItem } from './engagement-api.js';
import { formatDuration, lookedAtOf, shareLookedAt } from './engagement-format.js';

/** The figures of a heat map: parties (rows) × folders (columns), one engagement item per cell. */
export interface HeatMapFigures {
  parties: EngagementItem[];
  folders: Array<{ id: string; label: string }>;
  /** partyId → folderId → that party's figures in that folder. */
  cells: Map<string, Map<string, EngagementItem>>;
}

/** Who is looked at where: a party, and a folder (null: the party as a whole). */
export interface Selection {
  partyId: string;
  folderId: string | null;
}

// The brand's navy at full share, a pale wash of it at none: shade reads as "how much", never as good or bad.
const SHADES = ['#eef2f8', '#9fb4d3', '#14325c'];
const LIGHT_TEXT = '#ffffff';
const DARK_TEXT = '#16202e';

const cellOf = (f: HeatMapFigures, partyId: string, folderId: string) => f.cells.get(partyId)?.get(folderId);

function option(f: HeatMapFigures): ChartOption {
  const data = f.parties.flatMap((party, y) =>
    f.folders.map((folder, x) => {
      const cell = cellOf(f, party.key, folder.id);
      const share = cell ? shareLookedAt(cell) : null;
      return {
        value: [x, y, share ?? '-'],
        // A dark cell gets light text: the figure stays readable whatever its shade.
        label: { color: share !== null && share > 0.55 ? LIGHT_TEXT : DARK_TEXT },
      };
    }),
  );
  return {
    animation: false,
    grid: { left: 8, right: 16, top: 8, bottom: 56, containLabel: true },
    xAxis: {
      type: 'category',
      data: f.folders.map((folder) => folder.label),
      axisLine: { show: false },
      axisTick: { show: false },
      axisLabel: { interval: 0, width: 120, overflow: 'truncate', rotate: f.folders.length > 6 ? 30 : 0 },
    },
    yAxis: { type: 'category', data: f.parties.map((p) => p.label), inverse: true, axisLine: { show: false }, axisTick: { show: false }, axisLabel: { width: 160, overflow: 'truncate' } },
    visualMap: {
      type: 'continuous',
      min: 0,
      max: 1,
      dimension: 2,
      orient: 'horizontal',
      left: 'center',
      bottom: 0,
      itemHeight: 160,
      text: ['all looked at', 'none'],
      inRange: { color: SHADES },
      calculable: false,
    },
    tooltip: {
      // Drawn in the canvas: an HTML tooltip would carry style attributes the CSP refuses.
      renderMode: 'richText',
      formatter: (params) => {
        const p = Array.isArray(params) ? params[0] : params;
        const [x, y] = (p?.value ?? []) as [number, number];
        const party = f.parties[y];
        const folder = f.folders[x];
        const cell = party && folder ? cellOf(f, party.key, folder.id) : undefined;
        if (!party || !folder || !cell) return '';
        return `${party.label} · ${folder.label}\n${cell.documents} of ${cell.visible} documents looked at\n${cell.views} views · ${cell.downloads} downloads\n${cell.pagesViewed} pages · ${formatDuration(cell.seconds)}`;
      },
    },
    series: [
      {
        type: 'heatmap',
        data,
        label: {
          show: true,
          fontSize: 13,
          fontWeight: 600,
          formatter: (p) => {
            const [x, y] = p.value as [number, number];
            const cell = cellOf(f, f.parties[y]!.key, f.folders[x]!.id);
            return cell && (cell.visible > 0 || cell.documents > 0) ? lookedAtOf(cell) : '';
          },
        },
        itemStyle: { borderColor: '#ffffff', borderWidth: 2 },
        emphasis: { itemStyle: { borderColor: DARK_TEXT, borderWidth: 2 } },
      },
    ],
  };
}

/**
 * Parties × folders, each cell shaded by the share of the documents there the party may see that its
 * people looked at, and labelled "12 / 40". A click on a cell drills down to that party in that
 * folder. The same figures are in the table that follows it, where each cell is a button.
 */
export function HeatMap({ figures, onSelect }: { figures: HeatMapFigures; onSelect: (s: Selection) => void }) {
  const chartOption = useMemo(() => option(figures), [figures]);
  const height = 96 + 52 * figures.parties.length;
  return (
    <div className="engagement-heat-map" style={{ height: `${height}px` }}>
      <EChart
        option={chartOption}
        className="engagement-chart"
        onClick={({ value }) => {
          const [x, y] = value as [number, number];
          const party = figures.parties[y];
          const folder = figures.folders[x];
          if (party && folder) onSelect({ partyId: party.key, folderId: folder.id });
        }}
      />
    </div>
  );
}

/** The heat map's figures as a table: each cell a button to the same drill-down as a click on the chart. */
export function HeatMapTable({ figures, onSelect, caption }: { figures: HeatMapFigures; onSelect: (s: Selection) => void; caption: string }) {
  return (
    <div className="table-wrap">
      <table className="table engagement-matrix">
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Party</th>
            {figures.folders.map((folder) => (
              <th key={folder.id} scope="col" className="num">{folder.label}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {figures.parties.map((party) => (
            <tr key={party.key}>
              <th scope="row">{party.label}</th>
              {figures.folders.map((folder) => {
                const cell = cellOf(figures, party.key, folder.id);
                return (
                  <td key={folder.id} className="num">
                    {cell && (cell.visible > 0 || cell.documents > 0) ? (
                      <button
                        type="button"
                        className="button-link"
                        aria-label={`${party.label}, ${folder.label}: looked at ${cell.documents} of ${cell.visible} documents it may see`}
                        onClick={() => onSelect({ partyId: party.key, folderId: folder.id })}
                      >
                        {lookedAtOf(cell)}
                      </button>
                    ) : (
                      <span aria-label="nothing to see">–</span>
                    )}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
