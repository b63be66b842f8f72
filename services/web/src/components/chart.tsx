import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { useI18n } from '../i18n.ts';
import { decimal } from '../labels.ts';

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
  /** What the categories are (day, week…), as the legend names them. */
  xLabel: string;
  yRange?: [number, number];
  height?: number;
  /** Called with a category's index when it is clicked (drill-down). */
  onPick?: (index: number) => void;
}) {
  const { t, lang } = useI18n();
  const box = useRef<HTMLDivElement>(null);
  // Axes with no point on them say nothing: say so in words instead.
  const empty = props.series.every((s) => s.values.every((v) => v === null || v === undefined));
  useEffect(() => {
    if (!box.current || props.categories.length === 0 || empty) return;
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
          // uPlot names an unlabelled x series "Value" in its legend: name it in the user's language.
          { label: props.xLabel, value: (_u, v) => (v === null ? '—' : label(v)) },
          ...props.series.map((s, i) => ({
            label: s.label,
            // The legend reads "—" (as the tables do) rather than uPlot's "--" where the cursor is on no point.
            value: (_u: uPlot, v: number | null) =>
              v === null || v === undefined ? '—' : decimal(v, lang, 2),
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
    const pick = () => {
      const idx = chart.cursor.idx;
      if (idx !== null && idx !== undefined) props.onPick?.(idx);
    };
    if (props.onPick) {
      chart.over.style.cursor = 'pointer';
      chart.over.addEventListener('click', pick);
    }
    return () => chart.destroy();
  }, [JSON.stringify(props.categories), JSON.stringify(props.series), props.onPick !== undefined]);
  if (props.categories.length === 0 || empty) {
    return (
      <p class="muted chart-empty" data-testid="chart-empty">
        {t('chartNoData')}
      </p>
    );
  }
  return <div ref={box} class="chart" role="img" aria-label={props.label} />;
}

/** One part of a bar: its share of the scale, how it is named to a screen reader, and the calls it opens. */
export interface BarSegment {
  value: number;
  color: string;
  /** Read by screen readers and shown as a tooltip. */
  title: string;
  href?: string;
}

/**
 * Horizontal bars, one row per agent, team or campaign (names read better along bars than under a line), each
 * made of segments (stacked shares, or one value) that link to the calls they count. Values are on a scale of
 * 0..`max`; `legend` names the segment colours.
 */
export function BarList(props: {
  label: string;
  rows: { key: string; name: string; segments: BarSegment[]; value: string }[];
  max: number;
  legend?: { label: string; color: string }[];
}) {
  const width = (v: number) => `${Math.max(0, Math.min(100, (100 * v) / (props.max || 1)))}%`;
  return (
    <figure class="bars" aria-label={props.label}>
      {props.legend && (
        <ul class="legend">
          {props.legend.map((l) => (
            <li key={l.label}>
              <span class="swatch" style={{ background: l.color }} aria-hidden="true" />
              {l.label}
            </li>
          ))}
        </ul>
      )}
      <ul class="hbars">
        {props.rows.map((r) => (
          <li key={r.key}>
            <span class="hbar-label" title={r.name}>
              {r.name}
            </span>
            <span class="hbar-track">
              {r.segments
                .filter((s) => s.value > 0)
                .map((s) =>
                  s.href ? (
                    <a
                      key={s.title}
                      href={s.href}
                      title={s.title}
                      aria-label={s.title}
                      style={{ width: width(s.value), background: s.color }}
                    />
                  ) : (
                    <span
                      key={s.title}
                      title={s.title}
                      style={{ width: width(s.value), background: s.color, display: 'block' }}
                    />
                  ),
                )}
            </span>
            <span class="hbar-value">{r.value}</span>
          </li>
        ))}
      </ul>
    </figure>
  );
}
