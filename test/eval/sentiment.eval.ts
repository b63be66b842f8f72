import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { createSentimentAnalyzer } from '../../services/analytics/sentiment/index.ts';
import { naturalSpanishBaseline } from '../../services/analytics/sentiment/lexicon.natural.ts';
import { sentimentEnglishBaseline } from '../../services/analytics/sentiment/lexicon.sentiment.ts';
import { SENTIMENT_LABELS, type SentimentLabel } from '../../services/analytics/sentiment/types.ts';
import type { Lang } from '../../services/analytics/text/types.ts';
import type { Party } from '../../models/database.ts';

/**
 * Utterance sentiment on the labelled sets of test/fixtures/sentiment (labels per GUIDELINES.md): Escucha's analyser
 * against the plain libraries, per language and split, as macro-F1, per-class precision/recall/F1 and a confusion
 * matrix.
 *
 * Baselines: natural's SentimentAnalyzer for Spanish (AFINN-es and Senticon-es vocabularies, PorterStemmerEs,
 * AggressiveTokenizerEs) and the `sentiment` package for English (AFINN-165), each labelling by the sign of its
 * score: > band positive, < −band negative, else neutral. Two bands are reported for every baseline:
 *   - `sign`: band 0, i.e. neutral exactly when no lexicon word was found;
 *   - `tuned`: the band from BASELINE_BANDS with the best dev macro-F1, then applied unchanged to test,
 *     so the baseline gets the same chance to fit its neutral band on dev as the analyser had.
 * The analyser uses its own default band (DEFAULT_SENTIMENT_OPTIONS.neutralBand, chosen on dev).
 *
 * Subsets: `dev`, `test`, and `test-batch2`, the part of test written after the analyser was frozen (see the
 * guidelines). `run()` also measures throughput on a synthetic ten-minute call, in calls per CPU-second, unless
 * called with `{ measureThroughput: false }`.
 *
 * `npx tsx test/eval/sentiment.eval.ts` prints the figures; `--errors` also prints the analyser's dev errors
 * (never the test errors: test is held out).
 */

export interface LabelledUtterance {
  id: string;
  text: string;
  lang: Lang;
  label: SentimentLabel;
  party: Party;
  split: 'dev' | 'test';
  /** 1: written with the guidelines, before the analyser; 2: written after the analyser was frozen (all test). */
  batch: 1 | 2;
}

export interface ClassFigures {
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

export interface Figures {
  n: number;
  macroF1: number;
  accuracy: number;
  perClass: Record<SentimentLabel, ClassFigures>;
  /** confusion[actual][predicted] */
  confusion: Record<SentimentLabel, Record<SentimentLabel, number>>;
}

export interface SystemFigures extends Figures {
  system: string;
  /** The neutral band the labels were cut with. */
  band: number;
}

export interface SentimentEvalResult {
  task: 'sentiment';
  unit: string;
  /** Keyed "es/dev", "es/test", "es/test-batch2" (the part of test written after the analyser was frozen), "en/…". */
  splits: Record<string, { analyser: SystemFigures; baselines: SystemFigures[] }>;
  /** Calls per CPU-second (one core) of a synthetic ten-minute call of 150 utterances, per language. */
  throughput: Record<Lang, { callsPerSecond: number; utterances: number; words: number }>;
  errors: Record<string, string[]>;
}

export const BASELINE_BANDS: Record<string, readonly number[]> = {
  'natural-afinn': [0, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1],
  'natural-senticon': [0, 0.01, 0.02, 0.05, 0.1, 0.15, 0.2],
  'sentiment-afinn165': [0, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1],
};

const r3 = (v: number) => Math.round(v * 1000) / 1000;

export function loadSentimentSet(lang: Lang): LabelledUtterance[] {
  const text = readFileSync(new URL(`../fixtures/sentiment/${lang}.jsonl`, import.meta.url), 'utf8');
  return text
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as LabelledUtterance);
}

export function labelByBand(score: number, band: number): SentimentLabel {
  if (score > band) return 'positive';
  if (score < -band) return 'negative';
  return 'neutral';
}

export function evaluate(actual: readonly SentimentLabel[], predicted: readonly SentimentLabel[]): Figures {
  const confusion = Object.fromEntries(
    SENTIMENT_LABELS.map((a) => [a, Object.fromEntries(SENTIMENT_LABELS.map((p) => [p, 0]))]),
  ) as Figures['confusion'];
  actual.forEach((a, i) => (confusion[a][predicted[i]!] += 1));
  const perClass = {} as Figures['perClass'];
  for (const label of SENTIMENT_LABELS) {
    const tp = confusion[label][label];
    const predictedAs = SENTIMENT_LABELS.reduce((s, a) => s + confusion[a][label], 0);
    const support = SENTIMENT_LABELS.reduce((s, p) => s + confusion[label][p], 0);
    const precision = predictedAs === 0 ? 0 : tp / predictedAs;
    const recall = support === 0 ? 0 : tp / support;
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    perClass[label] = { precision: r3(precision), recall: r3(recall), f1: r3(f1), support };
  }
  const correct = SENTIMENT_LABELS.reduce((s, l) => s + confusion[l][l], 0);
  const macro = SENTIMENT_LABELS.reduce((s, l) => s + perClass[l].f1, 0) / SENTIMENT_LABELS.length;
  return {
    n: actual.length,
    macroF1: r3(macro),
    accuracy: r3(actual.length === 0 ? 0 : correct / actual.length),
    perClass,
    confusion,
  };
}

/** Score functions of the plain-library baselines of a language. */
function baselines(lang: Lang): { system: string; score: (text: string) => number }[] {
  if (lang === 'es') {
    return [
      { system: 'natural-afinn', score: naturalSpanishBaseline('afinn') },
      { system: 'natural-senticon', score: naturalSpanishBaseline('senticon') },
    ];
  }
  const english = sentimentEnglishBaseline();
  return [{ system: 'sentiment-afinn165', score: (text) => english(text).comparative }];
}

/**
 * A synthetic ten-minute call: 150 alternating utterances of two dev-set texts each (about 1,900 words in
 * Spanish, 1,700 in English: as dense as fast speech), 4 s apart.
 */
export function syntheticCall(items: readonly LabelledUtterance[]) {
  const pool = items.filter((u) => u.split === 'dev');
  return Array.from({ length: 150 }, (_, i) => {
    const a = pool[(i * 7) % pool.length]!;
    const b = pool[(i * 13 + 5) % pool.length]!;
    return { party: a.party, startMs: i * 4000, endMs: i * 4000 + 3500, text: `${a.text} ${b.text}` };
  });
}

export async function run(options: { measureThroughput?: boolean } = {}): Promise<SentimentEvalResult> {
  const analyser = createSentimentAnalyzer();
  const result: SentimentEvalResult = {
    task: 'sentiment',
    unit: 'utterances (positive / neutral / negative)',
    splits: {},
    throughput: {} as SentimentEvalResult['throughput'],
    errors: {},
  };
  for (const lang of ['es', 'en'] as const) {
    const items = loadSentimentSet(lang);
    const systems = baselines(lang).map((b) => ({ ...b, scores: items.map((u) => b.score(u.text)) }));
    const ours = items.map((u) => analyser.scoreText(u.text, lang));
    const bands = Object.fromEntries(
      systems.map((s) => {
        const dev = items.map((u, i) => [u, s.scores[i]!] as const).filter(([u]) => u.split === 'dev');
        let best = { band: 0, f1: -1 };
        for (const band of BASELINE_BANDS[s.system] ?? [0]) {
          const f1 = evaluate(
            dev.map(([u]) => u.label),
            dev.map(([, score]) => labelByBand(score, band)),
          ).macroF1;
          if (f1 > best.f1) best = { band, f1 };
        }
        return [s.system, best.band];
      }),
    );
    const subsets = [
      ['dev', (u: LabelledUtterance) => u.split === 'dev'],
      ['test', (u: LabelledUtterance) => u.split === 'test'],
      ['test-batch2', (u: LabelledUtterance) => u.split === 'test' && u.batch === 2],
    ] as const;
    for (const [split, member] of subsets) {
      const idx = items.map((u, i) => (member(u) ? i : -1)).filter((i) => i >= 0);
      const actual = idx.map((i) => items[i]!.label);
      const analyserFigures: SystemFigures = {
        system: 'escucha',
        band: 0,
        ...evaluate(
          actual,
          idx.map((i) => ours[i]!.label),
        ),
      };
      const baselineFigures: SystemFigures[] = [];
      for (const s of systems) {
        for (const [kind, band] of [
          ['sign', 0],
          ['tuned', bands[s.system]!],
        ] as const) {
          baselineFigures.push({
            system: `${s.system}/${kind}`,
            band,
            ...evaluate(
              actual,
              idx.map((i) => labelByBand(s.scores[i]!, band)),
            ),
          });
        }
      }
      result.splits[`${lang}/${split}`] = { analyser: analyserFigures, baselines: baselineFigures };
      if (split === 'dev') {
        result.errors[`${lang}/dev`] = idx
          .filter((i) => ours[i]!.label !== items[i]!.label)
          .map((i) => {
            const e = ours[i]!.evidence.map((x) => `${x.text}:${x.valence.toFixed(1)}`).join(' ');
            return `${items[i]!.id} want ${items[i]!.label} got ${ours[i]!.label} (${ours[i]!.score}) "${items[i]!.text}" [${e}]`;
          });
      }
    }
    if (options.measureThroughput !== false) {
      const call = syntheticCall(items);
      for (let i = 0; i < 20; i++) analyser.analyze(call, lang);
      // CPU time, not wall time: on a shared machine other processes would otherwise count against the analyser.
      const cpu = () => {
        const { user, system } = process.cpuUsage();
        return (user + system) / 1e6;
      };
      const started = cpu();
      let calls = 0;
      while (cpu() - started < 1) {
        for (let k = 0; k < 10; k++) analyser.analyze(call, lang);
        calls += 10;
      }
      const seconds = cpu() - started;
      result.throughput[lang] = {
        callsPerSecond: Math.round(calls / seconds),
        utterances: call.length,
        words: call.reduce((n, u) => n + u.text.split(/\s+/).length, 0),
      };
    }
  }
  return result;
}

function printFigures(f: SystemFigures): void {
  const cls = SENTIMENT_LABELS.map(
    (l) =>
      `${l.slice(0, 3)} P ${f.perClass[l].precision.toFixed(3)} R ${f.perClass[l].recall.toFixed(3)} F1 ${f.perClass[l].f1.toFixed(3)}`,
  ).join(' | ');
  const band = f.system === 'escucha' ? '' : ` band ${f.band}`;
  console.log(
    `  ${f.system.padEnd(26)} macro-F1 ${f.macroF1.toFixed(3)}  acc ${f.accuracy.toFixed(3)}${band}`,
  );
  console.log(`      ${cls}`);
  const rows = SENTIMENT_LABELS.map(
    (a) =>
      `${a.slice(0, 3)}→ ${SENTIMENT_LABELS.map((p) => String(f.confusion[a][p]).padStart(3)).join(' ')}`,
  );
  console.log(`      confusion (rows actual, cols pos neu neg): ${rows.join('  ')}`);
}

async function main(): Promise<void> {
  const showErrors = process.argv.includes('--errors');
  const result = await run();
  for (const [key, { analyser, baselines: base }] of Object.entries(result.splits)) {
    console.log(`\n${key} (n=${analyser.n})`);
    printFigures(analyser);
    for (const b of base) printFigures(b);
  }
  console.log('');
  for (const [lang, t] of Object.entries(result.throughput)) {
    console.log(
      `throughput ${lang}: ${t.callsPerSecond} calls per CPU-second (synthetic 10-minute call: ${t.utterances} utterances, ${t.words} words)`,
    );
  }
  if (showErrors) {
    for (const [key, list] of Object.entries(result.errors)) {
      console.log(`\n${key} errors (${list.length})`);
      for (const line of list) console.log(`  ${line}`);
    }
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
