/**
 * `npx tsx test/eval/run.ts [task…]`: precision / recall / F1 of Escucha's analytics detectors on the labelled
 * sets of test/fixtures/analytics (see LABELLING.md), per task and split. Dev is for development; test is held
 * out. Sentiment is included when test/eval/sentiment.eval.ts is present (its analyser's macro-F1).
 * `--errors` also prints the dev errors (never the test ones). The whole-call set (calls-*) has targets per
 * detector; the command exits non-zero when one is missed, on dev or on the held-out split. `--asr` runs instead the
 * real-ASR comparison (test/eval/asr/asr-loop.ts) on a sample of the whole-call set.
 */
import { existsSync } from 'node:fs';
import type { EvalResult } from './metrics.ts';

const suites: Record<string, () => Promise<unknown>> = {
  disclosure: async () => (await import('./disclosure.eval.ts')).run(),
  adherence: async () => (await import('./adherence.eval.ts')).run(),
  promise: async () => (await import('./promise.eval.ts')).run(),
  pii: async () => (await import('./pii.eval.ts')).run(),
  'calls-notice': async () => (await import('./calls.eval.ts')).run('notice'),
  'calls-promise': async () => (await import('./calls.eval.ts')).run('promise'),
  'calls-pii': async () => (await import('./calls.eval.ts')).run('pii'),
};
if (existsSync(new URL('./sentiment.eval.ts', import.meta.url))) {
  suites.sentiment = async () => (await import('./sentiment.eval.ts')).run({ measureThroughput: false });
}

const args = process.argv.slice(2);
if (args.includes('--asr')) {
  const { main } = await import('./asr/asr-loop.ts');
  process.exit(await main(args.filter((a) => a !== '--asr')));
}
const showErrors = args.includes('--errors');
const wanted = args.filter((a) => !a.startsWith('-'));
const names = wanted.length > 0 ? wanted : Object.keys(suites);
const pad = (s: string, n: number) => s.padEnd(n);
const num = (v: unknown) =>
  typeof v !== 'number' ? '    -' : Number.isInteger(v) && v > 1 ? String(v) : v.toFixed(3);

let failed = false;
const missed: string[] = [];
console.log(`${pad('task', 15)}${pad('split', 22)}${pad('P', 8)}${pad('R', 8)}${pad('F1', 8)}other`);
for (const name of names) {
  const suite = suites[name];
  if (!suite) {
    console.error(`unknown task "${name}"; known: ${Object.keys(suites).join(', ')}`);
    failed = true;
    continue;
  }
  try {
    const result = (await suite()) as EvalResult & {
      splits: Record<string, Record<string, unknown>>;
      failures?: string[];
    };
    missed.push(...(result.failures ?? []));
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
        `${pad(name, 15)}${pad(split, 22)}${pad(num(figures.precision), 8)}${pad(num(figures.recall), 8)}${pad(num(figures.f1 ?? figures.macroF1), 8)}${extra}`,
      );
    }
    if (result.unit) console.log(`${pad('', 15)}(${result.unit})`);
    if (showErrors) for (const e of result.errors?.dev ?? []) console.log(`  dev error: ${e}`);
  } catch (error) {
    console.error(`evaluation ${name} failed:`, error);
    failed = true;
  }
}
for (const m of missed) console.error(`below target: ${m}`);
process.exit(failed || missed.length > 0 ? 1 : 0);
