/**
 * `npm run eval -- --asr [--sample N] [--model NAME] [--fresh] [--show]`: real ASR in the loop. A sample of the
 * whole-call development set (dev split, the calls written Whisper-like) is rendered to audio with espeak-ng (one
 * voice per party, band-limited to 300–3400 Hz as a phone line), each channel's speech is transcribed by the real
 * default model (whisper-base) on the reference segment times, and the detectors run on both the reference text
 * and the recogniser's; the report counts the verdicts that change (recording notice given, promise yes/no, its
 * amount and date, sensitive numbers found) and the labelled figures of both.
 *
 * Slow (a few seconds of CPU per call): transcripts are kept under var/eval-asr/<model>/ and reused, so a change to
 * a detector is re-measured without transcribing again (`--fresh` transcribes again; `--cached` reports on the
 * sampled calls already transcribed and transcribes none).
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Party } from '../../../models/database.ts';
import type { TranscriptSegment } from '../../../services/analytics/matching/transcript.types.ts';
import { DEFAULT_ASR_MODEL } from '../../../services/speech/model-manifest.ts';
import { ModelStore } from '../../../services/speech/model-store.ts';
import { SEGMENT_PAD_MS } from '../../../services/speech/recognizer.ts';
import { WhisperRecognizer } from '../../../services/speech/recognizer.whisper.ts';
import { sliceSegments } from '../../../services/speech/segments.ts';
import { parseCallScript } from '../../../services/cli/call-script.ts';
import { CallRenderer } from '../../../tools/synth/call.renderer.ts';
import { EspeakSynthesizer } from '../../../tools/synth/espeak.tts.ts';
import { loadCalls, verdicts, type CallCase, type Verdicts } from '../calls.eval.ts';
import { counts, scores, tally } from '../metrics.ts';

interface Transcribed {
  id: string;
  model: string;
  reference: TranscriptSegment[];
  asr: TranscriptSegment[];
}

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

/**
 * Evenly spaced Whisper-like dev calls, two Spanish for one English, interleaved so that a run cut short still
 * covers both languages.
 */
export function sampleCalls(calls: readonly CallCase[], n: number): CallCase[] {
  const pool = calls.filter((c) => c.split === 'dev' && (c as { noise?: string }).noise === 'clean');
  const spaced = (list: CallCase[], k: number) =>
    Array.from({ length: Math.min(k, list.length) }, (_, i) => list[Math.floor((i * list.length) / k)]!);
  const nEn = Math.round(n / 3);
  const es = spaced(
    pool.filter((c) => c.language === 'es'),
    n - nEn,
  );
  const en = spaced(
    pool.filter((c) => c.language === 'en'),
    nEn,
  );
  const out: CallCase[] = [];
  while (es.length > 0 || en.length > 0) {
    for (const c of es.splice(0, 2)) out.push(c);
    for (const c of en.splice(0, 1)) out.push(c);
  }
  return out;
}

async function* chunks(samples: Float32Array, size = 16_000): AsyncGenerator<Float32Array> {
  for (let i = 0; i < samples.length; i += size) yield samples.subarray(i, i + size);
}

async function transcribeCall(
  k: CallCase,
  renderer: CallRenderer,
  recognizer: WhisperRecognizer,
  model: string,
): Promise<Transcribed> {
  const script = parseCallScript({
    language: k.language,
    seed: Number.parseInt(k.id.replace(/\D/g, ''), 10) % 100_000,
    telephone: true,
    turns: k.segments.map((s) => ({ party: s.party as Party, text: s.text })),
  });
  const call = await renderer.render(script);
  const reference: TranscriptSegment[] = call.segments.map((s) => ({
    party: s.party,
    channel: s.channel,
    startMs: s.startMs,
    endMs: s.endMs,
    text: s.text,
  }));
  const asr: TranscriptSegment[] = [];
  for (const channel of [0, 1] as const) {
    const mine = call.segments.filter((s) => s.channel === channel);
    if (mine.length === 0) continue;
    const out = await recognizer.transcribe(
      sliceSegments(
        chunks(call.channels[channel]),
        mine.map((s) => ({ startMs: s.startMs, endMs: s.endMs })),
        call.sampleRate,
        SEGMENT_PAD_MS,
      ),
      { language: k.language, sampleRate: call.sampleRate },
    );
    for (const o of out) {
      if (!o.text.trim()) continue;
      asr.push({
        party: channel === 0 ? 'agent' : 'customer',
        channel,
        startMs: o.startMs,
        endMs: o.endMs,
        text: o.text.trim(),
      });
    }
  }
  asr.sort((a, b) => a.startMs - b.startMs || a.channel! - b.channel!);
  return { id: k.id, model, reference, asr };
}

type Field = 'notice' | 'promised' | 'amount' | 'date' | 'pii';

function changes(a: Verdicts, b: Verdicts): Field[] {
  const out: Field[] = [];
  if (a.notice !== b.notice) out.push('notice');
  if (a.promised !== b.promised) out.push('promised');
  else if (a.promised && a.amount !== b.amount) out.push('amount');
  if (a.promised && b.promised && a.date !== b.date) out.push('date');
  if (a.pii.length > 0 !== b.pii.length > 0) out.push('pii');
  return out;
}

export async function main(args: string[]): Promise<number> {
  const n = Number(option(args, '--sample') ?? 30);
  const modelName = option(args, '--model') ?? DEFAULT_ASR_MODEL;
  const fresh = args.includes('--fresh');
  const show = args.includes('--show');
  const cachedOnly = args.includes('--cached');
  const dir = path.resolve('var/eval-asr', modelName);
  await mkdir(dir, { recursive: true });
  const sample = sampleCalls(loadCalls(), n);
  let renderer: CallRenderer | undefined;
  let recognizer: WhisperRecognizer | undefined;
  const results: { k: CallCase; t: Transcribed }[] = [];
  const started = performance.now();
  let transcribedSeconds = 0;
  let audioSeconds = 0;
  try {
    for (const k of sample) {
      const file = path.join(dir, `${k.id}.json`);
      let t: Transcribed | undefined;
      if (!fresh)
        t = await readFile(file, 'utf8').then(
          (s) => JSON.parse(s) as Transcribed,
          () => undefined,
        );
      if (!t && cachedOnly) continue;
      if (!t) {
        if (!recognizer) {
          const tts = new EspeakSynthesizer();
          await tts.check();
          renderer = new CallRenderer(tts);
          const store = new ModelStore({
            modelsDir: path.resolve(process.env.ESCUCHA_MODELS_DIR ?? './var/models'),
          });
          recognizer = new WhisperRecognizer({ model: await store.resolve(modelName) });
        }
        const t0 = performance.now();
        t = await transcribeCall(k, renderer!, recognizer, modelName);
        transcribedSeconds += (performance.now() - t0) / 1000;
        audioSeconds += (t.reference.at(-1)?.endMs ?? 0) / 1000;
        await writeFile(file, JSON.stringify(t));
        console.error(`${k.id}: transcribed (${results.length + 1}/${sample.length})`);
      }
      results.push({ k, t });
    }
  } finally {
    await recognizer?.close();
  }

  const es = results.filter((r) => r.k.language === 'es').length;
  console.log(
    `real ASR in the loop: ${results.length} dev calls (${es} es, ${results.length - es} en), ${modelName}, espeak-ng voices, 300–3400 Hz`,
  );
  if (audioSeconds > 0)
    console.log(
      `transcribed now: ${audioSeconds.toFixed(0)} s of calls in ${transcribedSeconds.toFixed(0)} s (rendering included); total ${((performance.now() - started) / 1000).toFixed(0)} s`,
    );
  for (const language of [null, 'es', 'en'] as const) {
    const some = language ? results.filter((r) => r.k.language === language) : results;
    if (language && some.length === 0) continue;
    report(some, language, show && language === null);
  }
  return 0;
}

function report(
  results: { k: CallCase; t: Transcribed }[],
  language: 'es' | 'en' | null,
  show: boolean,
): void {
  const changed: Record<Field, number> = { notice: 0, promised: 0, amount: 0, date: 0, pii: 0 };
  const promiseRef = counts();
  const promiseAsr = counts();
  const noticeRef = counts();
  const noticeAsr = counts();
  let piiRef = 0;
  let piiAsr = 0;
  let piiCalls = 0;
  let callsChanged = 0;
  if (language) console.log(`\n${language} only:`);
  for (const { k, t } of results) {
    const ref = verdicts(k, t.reference);
    const asr = verdicts(k, t.asr);
    tally(promiseRef, ref.promised, k.promise.promised);
    tally(promiseAsr, asr.promised, k.promise.promised);
    tally(noticeRef, ref.notice, k.notice.outcome === 'on_time');
    tally(noticeAsr, asr.notice, k.notice.outcome === 'on_time');
    if (k.pii.length > 0) {
      piiCalls++;
      if (ref.pii.length > 0) piiRef++;
      if (asr.pii.length > 0) piiAsr++;
    }
    const diff = changes(ref, asr);
    for (const f of diff) changed[f]++;
    if (diff.length > 0) callsChanged++;
    if (show && diff.length > 0) {
      console.log(
        `\n${k.id} (${k.scenario.promise}, notice ${k.scenario.notice}): ${diff.join(', ')} changed`,
      );
      console.log(`  reference ${JSON.stringify({ ...ref, pii: ref.pii.length })}`);
      console.log(`  asr       ${JSON.stringify({ ...asr, pii: asr.pii.length })}`);
      for (const s of t.asr) console.log(`  ${s.party === 'agent' ? 'A' : 'C'} ${s.text}`);
    }
  }
  console.log(`calls with any verdict changed: ${callsChanged}/${results.length}`);
  for (const [f, v] of Object.entries(changed)) console.log(`  ${f.padEnd(9)} changed in ${v}`);
  const fmt = (c: ReturnType<typeof counts>) => {
    const s = scores(c);
    return `P ${s.precision.toFixed(3)} R ${s.recall.toFixed(3)} F1 ${s.f1.toFixed(3)}`;
  };
  console.log(`promise   reference ${fmt(promiseRef)} | asr ${fmt(promiseAsr)}`);
  console.log(`notice    reference ${fmt(noticeRef)} | asr ${fmt(noticeAsr)}`);
  console.log(
    `pii       calls with a labelled number flagged: reference ${piiRef}/${piiCalls} | asr ${piiAsr}/${piiCalls}`,
  );
}
