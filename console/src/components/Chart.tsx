/**
 * An ECharts chart (the parts the console uses only, to keep the bundle
 * small), drawn on canvas in the console's fonts, resized with its box. The
 * box is an image with a label saying what it shows; the figures are in a
 * table or text beside it for those who cannot see it.
 */
import { BarChart, LineChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { useEffect, useRef } from 'preact/hooks';

echarts.use([BarChart, LineChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);

export type ChartOption = echarts.EChartsCoreOption;
export const FONT = "'Noto Sans SC', 'Noto Sans CJK SC', 'Microsoft YaHei', 'PingFang SC', sans-serif";

export function Chart({ option, label, height = 240 }: { option: ChartOption; label: string; height?: number }) {
  const ref = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | null>(null);
  useEffect(() => {
    const c = echarts.init(ref.current!, undefined, { renderer: 'canvas' });
    chart.current = c;
    const ro = new ResizeObserver(() => c.resize());
    ro.observe(ref.current!);
    return () => {
      ro.disconnect();
      c.dispose();
      chart.current = null;
    };
  }, []);
  useEffect(() => {
    chart.current?.setOption({ textStyle: { fontFamily: FONT, color: '#333' }, animation: false, ...option }, true);
  }, [option]);
  return <div ref={ref} class="chart" style={{ height: `${height}px` }} role="img" aria-label={label} />;
}

/** A bar chart of labelled values, the console's most common chart. */
export function barOption(labels: string[], series: { name: string; data: number[]; colour?: string; type?: 'bar' | 'line'; yAxisIndex?: number }[], opts: { twoAxes?: boolean; rotate?: number } = {}): ChartOption {
  return {
    tooltip: { trigger: 'axis' },
    legend: series.length > 1 ? { top: 0, textStyle: { fontFamily: FONT } } : undefined,
    grid: { left: 48, right: opts.twoAxes ? 64 : 16, top: series.length > 1 ? 32 : 12, bottom: opts.rotate ? 56 : 28 },
    xAxis: { type: 'category', data: labels, axisLabel: { rotate: opts.rotate ?? 0, fontFamily: FONT, hideOverlap: true } },
    yAxis: opts.twoAxes
      ? [{ type: 'value', minInterval: 1 }, { type: 'value', splitLine: { show: false } }]
      : { type: 'value', minInterval: 1 },
    series: series.map((s) => ({ name: s.name, type: s.type ?? 'bar', data: s.data, itemStyle: s.colour ? { color: s.colour } : undefined, yAxisIndex: s.yAxisIndex ?? 0, barMaxWidth: 28, showSymbol: false })),
  };
}
