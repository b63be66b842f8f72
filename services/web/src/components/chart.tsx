import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export const COLORS = [
  '#15803d',
  '#b45309',
  '#b91c1c',
  '#1d4ed8',
  '#7c3aed',
  '#0e7490',
  '#be185d',
  '#4d7c0f',
];

/**
 * A line chart over categories (days, weeks, agents…) with uPlot: x is the category index, labelled on the axis.
 * `label` names the chart for screen readers; the page shows the same figures in a table.
 */
export function CategoryChart(props: {
  categories: string[];
  series: { label: string; values: (number | null)[]; color?: string }[];
  label: string;
  yRange?: [number, number];
  height?: number;
}) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!box.current || props.categories.length === 0) return;
    const xs = props.categories.map((_, i) => i);
    const label = (v: number) => props.categories[Math.round(v)] ?? '';
    const chart = new uPlot(
      {
        width: Math.max(320, box.current.clientWidth),
        height: props.height ?? 220,
        scales: {
          x: { time: false, range: [-0.5, Math.max(0.5, props.categories.length - 0.5)] },
          y: props.yRange ? { range: props.yRange } : {},
        },
        axes: [
          {
            values: (_u, ticks) => ticks.map((v) => (Number.isInteger(v) ? label(v) : '')),
            incrs: [1],
          },
          {},
        ],
        series: [
          { label: '', value: (_u, v) => (v === null ? '--' : label(v)) },
          ...props.series.map((s, i) => ({
            label: s.label,
            stroke: s.color ?? COLORS[i % COLORS.length]!,
            width: 2,
            spanGaps: true,
            points: { show: true, size: 6 },
          })),
        ],
        cursor: { drag: { x: false, y: false } },
      },
      [xs, ...props.series.map((s) => s.values)] as uPlot.AlignedData,
      box.current,
    );
    return () => chart.destroy();
  }, [JSON.stringify(props.categories), JSON.stringify(props.series)]);
  return <div ref={box} class="chart" role="img" aria-label={props.label} />;
}
