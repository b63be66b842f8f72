/**
 * `npx tsx test/eval/build/import-independent.ts OUT.jsonl [dev:|test:]IN.jsonl…`: whole calls written independently of the
 * detectors (by authors given only LABELLING.md and a brief of the cases wanted, never the detectors' code or the
 * other sets) into the format of calls.jsonl. Each input line holds `id`, `language`, `locale`, `startedAt`,
 * `currency`, `segments` (party, startMs, endMs, text), `notice` (outcome, atMs), `promise`, `pii` and `amounts`
 * (segmentIndex and the exact text) and a `note`. Character offsets are found here, channels follow the party, the
 * profile follows the country, and a file's calls go to the split its prefix names (`dev:`, `test:`) or, without one,
 * alternate between dev and test in the file's order. The set in the repository: eight rounds of authors (24 files,
 * 1,200 calls); rounds 1–3 and 5–8 are dev (rounds 1–3 and 6–8 were each scored once as held out before their
 * errors were read: LABELLING.md keeps those figures), the fourth is the held-out test.
 */
import { readFileSync, writeFileSync } from 'node:fs';

interface Written {
  id: string;
  language: 'es' | 'en';
  locale: 'co' | 'mx' | 'es' | 'us';
  startedAt: string;
  currency: string;
  segments: { party: 'agent' | 'customer'; startMs: number; endMs: number; text: string }[];
  notice: { outcome: 'on_time' | 'late' | 'missing'; atMs: number | null };
  promise: { promised: boolean; amount: number | null; currency: string | null; date: string | null };
  pii: { segmentIndex: number; text: string; type: string }[];
  amounts: { segmentIndex: number; text: string }[];
  note?: string;
}

function span(w: Written, s: { segmentIndex: number; text: string }, from = 0) {
  const seg = w.segments[s.segmentIndex];
  const start = seg ? seg.text.indexOf(s.text, from) : -1;
  if (!seg || start < 0) throw new Error(`${w.id}: "${s.text}" is not in segment ${s.segmentIndex}`);
  return { segmentIndex: s.segmentIndex, start, end: start + s.text.length, text: s.text };
}

/** Spans of one segment in order: the same text twice is its first and then its second occurrence. */
function spans<T extends { segmentIndex: number; text: string }>(w: Written, list: readonly T[]) {
  const next = new Map<string, number>();
  return list.map((s) => {
    const key = `${s.segmentIndex}\u0000${s.text}`;
    const found = span(w, s, next.get(key) ?? 0);
    next.set(key, found.end);
    return { ...s, ...found };
  });
}

/**
 * The authors label a notice on time up to 20 s from the first speech and late from 60 s, and "missing" in between
 * (as calls.jsonl does, which never draws that stretch). Where one was written in between, its label follows the
 * profile's window (30 s; the US 60 s), the rule the detector is held to (LABELLING.md, disclosure.jsonl).
 */
function noticeByWindow(w: Written): Written['notice'] {
  const at = w.notice.atMs ?? UNTIMED_NOTICES[w.id] ?? null;
  if (w.notice.outcome !== 'missing' || at === null || at <= 20_000 || at >= 60_000) return w.notice;
  return { outcome: at <= (w.locale === 'us' ? 60_000 : 30_000) ? 'on_time' : 'late', atMs: at };
}

/** Notices an author labelled "missing" for their timing alone without giving the time: where they start (ms). */
const UNTIMED_NOTICES: Record<string, number> = {
  // "I should mention this call is being recorded", 41 s into a US call (the author: "neither 20 s nor 60 s")
  'be-031': 40_952,
};

const [out, ...inputs] = process.argv.slice(2);
if (!out || inputs.length === 0) {
  console.error('usage: import-independent.ts OUT.jsonl [dev:|test:]IN.jsonl…');
  process.exit(2);
}
const lines: string[] = [];
for (const arg of inputs) {
  const named = /^(dev|test):(.*)$/.exec(arg);
  const input = named ? named[2]! : arg;
  const written = readFileSync(input, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Written);
  written.forEach((w, i) => {
    lines.push(
      JSON.stringify({
        id: w.id,
        split: named ? named[1] : i % 2 === 0 ? 'dev' : 'test',
        language: w.language,
        locale: w.locale,
        profile: w.locale,
        startedAt: w.startedAt,
        currency: w.currency,
        noise: 'independent',
        scenario: { promise: w.promise.promised ? 'promise' : 'none', notice: w.notice.outcome },
        note: w.note ?? null,
        segments: w.segments.map((s) => ({ ...s, channel: s.party === 'agent' ? 0 : 1 })),
        promise: w.promise,
        notice: noticeByWindow(w),
        pii: spans(w, w.pii),
        amounts: spans(w, w.amounts),
      }),
    );
  });
}
writeFileSync(out, lines.join('\n') + '\n');
console.log(`${lines.length} calls written to ${out}`);
