import { readFileSync } from 'node:fs';

/** Shared helpers of the evaluation suites (test/eval/*.eval.ts). */

export interface Counts {
  tp: number;
  fp: number;
  fn: number;
}

export interface Scores {
  precision: number;
  recall: number;
  f1: number;
  tp: number;
  fp: number;
  fn: number;
}

export const counts = (): Counts => ({ tp: 0, fp: 0, fn: 0 });

export function tally(c: Counts, predicted: boolean, actual: boolean): void {
  if (predicted && actual) c.tp++;
  else if (predicted && !actual) c.fp++;
  else if (!predicted && actual) c.fn++;
}

const r3 = (v: number) => Math.round(v * 1000) / 1000;

export function scores(c: Counts): Scores {
  const precision = c.tp + c.fp === 0 ? 1 : c.tp / (c.tp + c.fp);
  const recall = c.tp + c.fn === 0 ? 1 : c.tp / (c.tp + c.fn);
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { precision: r3(precision), recall: r3(recall), f1: r3(f1), ...c };
}

export function ratio(ok: number, n: number): number {
  return n === 0 ? 1 : r3(ok / n);
}

export function loadJsonl<T>(name: string): T[] {
  const text = readFileSync(new URL(`../fixtures/analytics/${name}`, import.meta.url), 'utf8');
  return text
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as T);
}

/** The result every eval suite returns: one row per split (and any breakdowns it wants to show). */
export interface EvalResult {
  task: string;
  /** What precision/recall/F1 are computed over. */
  unit: string;
  splits: Record<string, Scores & Record<string, unknown>>;
  errors?: Record<string, string[]>;
}
