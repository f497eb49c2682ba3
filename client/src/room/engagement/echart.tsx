import { useEffect, useRef } from 'react';
// Only the parts drawn here: the whole of echarts would be most of the client's weight.
import * as echarts from 'echarts/core';
import { HeatmapChart, LineChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent, VisualMapComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';
import type { ComposeOption } from 'echarts/core';
import type { HeatmapSeriesOption, LineSeriesOption } from 'echarts/charts';
import type { GridComponentOption, LegendComponentOption, TooltipComponentOption, VisualMapComponentOption } from 'echarts/components';

// The canvas renderer, and tooltips drawn in it (renderMode 'richText'): the SVG renderer and HTML
// tooltips write style attributes, which the CSP (style-src 'self') refuses.
echarts.use([HeatmapChart, LineChart, GridComponent, LegendComponent, TooltipComponent, VisualMapComponent, CanvasRenderer]);

export type ChartOption = ComposeOption<
  HeatmapSeriesOption | LineSeriesOption | GridComponentOption | LegendComponentOption | TooltipComponentOption | VisualMapComponentOption
>;

/** What a click on a data item says: its series and the item's coordinates as given in the option. */
export interface ChartClick {
  seriesIndex: number;
  dataIndex: number;
  value: unknown;
}

/**
 * One chart, drawn into a box the stylesheet sizes: redrawn when its option changes, resized with
 * its box, disposed when it leaves. The figures it draws are also in a table beside it (screen
 * readers, keyboards, copying), so the canvas itself is hidden from assistive technology.
 */
export function EChart({ option, className, onClick }: { option: ChartOption; className: string; onClick?: (click: ChartClick) => void }) {
  const box = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | null>(null);
  const clicked = useRef(onClick);
  useEffect(() => {
    clicked.current = onClick;
  }, [onClick]);

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const c = echarts.init(el, undefined, { renderer: 'canvas' });
    chart.current = c;
    c.on('click', (p) => clicked.current?.({ seriesIndex: p.seriesIndex ?? 0, dataIndex: p.dataIndex, value: p.value }));
    const ro = new ResizeObserver(() => c.resize());
    ro.observe(el);
    return () => {
      ro.disconnect();
      c.dispose();
      chart.current = null;
    };
  }, []);

  useEffect(() => {
    chart.current?.setOption(option, { notMerge: true });
  }, [option]);

  return <div ref={box} className={className} aria-hidden="true" />;
}
