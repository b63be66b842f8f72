/**
 * Writes the labelled evaluation sets to test/fixtures/analytics/*.jsonl from the hand-written cases in this
 * folder. Deterministic: `npx tsx test/eval/build/build-fixtures.ts` reproduces the committed files.
 */
import { writeFileSync } from 'node:fs';
import { buildAdherence } from './adherence.builder.ts';
import { buildDisclosure } from './disclosure.builder.ts';
import { NOISE, noisy, rng, timeline, type Lang } from './noise.ts';
import { buildCalls } from './calls.builder.ts';
import { buildHandwrittenCalls } from './calls.handwritten.ts';
import { buildPii } from './pii.cases.ts';
import { promiseSpecs } from './promise.cases.ts';
import type { Party } from '../../../models/database.ts';

const NUMBER_WORDS = new Set(
  (
    'cero uno una un dos tres cuatro cinco seis siete ocho nueve diez once doce trece catorce quince dieciséis ' +
    'diecisiete dieciocho diecinueve veinte veintiuno veintidós veintitrés veinticuatro veinticinco veintiséis ' +
    'veintisiete veintiocho veintinueve treinta cuarenta cincuenta sesenta setenta ochenta noventa cien ciento ' +
    'doscientos trescientos cuatrocientos quinientos seiscientos setecientos ochocientos novecientos mil millón ' +
    'millones y primero zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen ' +
    'fifteen sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred ' +
    'thousand million and a first second third fifth fifteenth twentieth 27th 5th'
  ).split(' '),
);

function buildPromise() {
  let seed = 9000;
  const counters = new Map<string, number>();
  return promiseSpecs().map((spec) => {
    const r = rng(seed++);
    const lang = spec.language as Lang;
    const turns = spec.lines.map((l) => ({
      party: (l.startsWith('a:') ? 'agent' : 'customer') as Party,
      text: noisy(r, lang, l.slice(2).trim(), NOISE.low, NUMBER_WORDS),
    }));
    const key = `${spec.language}-${spec.split}`;
    const n = (counters.get(key) ?? 0) + 1;
    counters.set(key, n);
    return {
      id: `ptp-${key}-${String(n).padStart(3, '0')}`,
      split: spec.split,
      language: spec.language,
      startedAt: spec.startedAt,
      currency: spec.currency,
      segments: timeline(r, turns, 60_000),
      promise: spec.promise,
      amount: spec.amount,
      currencyOfAmount: spec.amount === null ? null : spec.currency,
      date: spec.date,
    };
  });
}

const dir = new URL('../../fixtures/analytics/', import.meta.url);
const write = (name: string, rows: unknown[]): void => {
  writeFileSync(new URL(name, dir), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  const splits = (rows as { split: string }[]).reduce<Record<string, number>>((acc, r) => {
    acc[r.split] = (acc[r.split] ?? 0) + 1;
    return acc;
  }, {});
  console.log(`${name}: ${rows.length} cases ${JSON.stringify(splits)}`);
};

write('disclosure.jsonl', buildDisclosure());
write('adherence.jsonl', buildAdherence());
write('promise.jsonl', buildPromise());
write('pii.jsonl', buildPii());
write('calls.jsonl', buildCalls());
write('calls-hand.jsonl', buildHandwrittenCalls());
