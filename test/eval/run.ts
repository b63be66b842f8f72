/**
 * `npx tsx test/eval/run.ts [task…]`: precision / recall / F1 of Escucha's analytics detectors on the labelled
 * sets of test/fixtures/analytics (see LABELLING.md), per task and split. Dev is for development; test is held
 * out. Sentiment is included when test/eval/sentiment.eval.ts is present (its analyser's macro-F1).
 * `--errors` also prints the dev errors (never the test ones).
 */
import { existsSync } from 'node:fs';
import type { EvalResult } from './metrics.ts';

const suites: Record<string, () => Promise<unknown>> = {
  disclosure: async () => (await import('./disclosure.eval.ts')).run(),
  adherence: async () => (await import('./adherence.eval.ts')).run(),
  promise: async () => (await import('./promise.eval.ts')).run(),
  pii: async () => (await import('./pii.eval.ts')).run(),
};
if (existsSync(new URL('./sentiment.eval.ts', import.meta.url))) {
  suites.sentiment = async () => (await import('./sentiment.eval.ts')).run({ measureThroughput: false });
}

const args = process.argv.slice(2);
const showErrors = args.includes('--errors');
const wanted = args.filter((a) => !a.startsWith('-'));
const names = wanted.length > 0 ? wanted : Object.keys(suites);
const pad = (s: string, n: number) => s.padEnd(n);
const num = (v: unknown) =>
  typeof v !== 'number' ? '    -' : Number.isInteger(v) && v > 1 ? String(v) : v.toFixed(3);

let failed = false;
console.log(`${pad('task', 12)}${pad('split', 18)}${pad('P', 8)}${pad('R', 8)}${pad('F1', 8)}other`);
for (const name of names) {
  const suite = suites[name];
  if (!suite) {
    console.error(`unknown task "${name}"; known: ${Object.keys(suites).join(', ')}`);
    failed = true;
    continue;
  }
  try {
    const result = (await suite()) as EvalResult & { splits: Record<string, Record<string, unknown>> };
    for (const [split, row] of Object.entries(result.splits)) {
      // sentiment reports per-language splits with the analyser's figures nested
      const figures = (row.analyser as Record<string, unknown> | undefined) ?? row;
      const extra = Object.entries(figures)
        .filter(
          ([k, v]) =>
            !['precision', 'recall', 'f1', 'tp', 'fp', 'fn', 'system', 'band'].includes(k) &&
            typeof v === 'number',
        )
        .map(([k, v]) => `${k}=${num(v)}`)
        .join(' ');
      console.log(
        `${pad(name, 12)}${pad(split, 18)}${pad(num(figures.precision), 8)}${pad(num(figures.recall), 8)}${pad(num(figures.f1 ?? figures.macroF1), 8)}${extra}`,
      );
    }
    if (result.unit) console.log(`${pad('', 12)}(${result.unit})`);
    if (showErrors) for (const e of result.errors?.dev ?? []) console.log(`  dev error: ${e}`);
  } catch (error) {
    console.error(`evaluation ${name} failed:`, error);
    failed = true;
  }
}
process.exit(failed ? 1 : 0);
