import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../../services/platform/logger.ts';
import type { SpeechRecognizer, TranscribedSegment } from '../../../services/speech/recognizer.ts';
import type { SegmentAudio } from '../../../services/speech/segments.ts';
import { LiveHub, type LiveTranscriptLine } from '../../../services/live/live.hub.ts';
import type { UtteranceSource } from '../../../services/live/live.segmentation.ts';
import { LiveTranscriber } from '../../../services/live/live.transcriber.ts';
import type { VadWorkerEvent } from '../../../services/live/vad.worker.ts';

/** The detector's side, driven by the test: it says which utterances it closed. */
class ScriptedSource implements UtteranceSource {
  listener: (event: VadWorkerEvent) => void = () => {};
  readonly posted: { key: string; samples: number }[] = [];
  audio(key: string, _rate: number, _position: number, samples: Int16Array): void {
    this.posted.push({ key, samples: samples.length });
  }
  end(key: string): void {
    queueMicrotask(() => this.listener({ type: 'ended', key }));
  }
  onEvent(listener: (event: VadWorkerEvent) => void): void {
    this.listener = listener;
  }
  ready = () => Promise.resolve();
  close = () => Promise.resolve();
}

/** A recogniser whose answers the test releases one call at a time. */
class HeldRecognizer implements SpeechRecognizer {
  readonly model = 'held';
  readonly calls: number[][] = [];
  private readonly waiting: (() => void)[] = [];
  async transcribe(audio: AsyncIterable<SegmentAudio>): Promise<TranscribedSegment[]> {
    const segments: SegmentAudio[] = [];
    for await (const s of audio) segments.push(s);
    this.calls.push(segments.map((s) => s.segment.startMs));
    await new Promise<void>((resolve) => this.waiting.push(resolve));
    return segments.map((s) => ({
      startMs: s.segment.startMs,
      endMs: s.segment.endMs,
      text: `said at ${s.segment.startMs}`,
      confidence: null,
      words: null,
    }));
  }
  release(): void {
    this.waiting.shift()?.();
  }
  close = () => Promise.resolve();
}

function memoryStore() {
  const state = { utterances: 0, dropped: 0, recognised: 0, complete: null as boolean | null };
  return {
    state,
    startTranscript: async () => {},
    addLines: async (_c: string, _l: readonly unknown[], counts: { recognised: number }) => {
      state.recognised += counts.recognised;
    },
    count: async (_c: string, found: number, dropped: number) => {
      state.utterances += found;
      state.dropped += dropped;
    },
    finish: async (_c: string, _at: Date | null, complete: boolean) => {
      state.complete = complete;
    },
    addAlert: async () => {
      throw new Error('no alerts in this test');
    },
  };
}

/** A transcriber on a hub of its own, with one recognition at a time, started. */
function started(queueSeconds: number) {
  const hub = new LiveHub({ logger: silentLogger(), levels: false });
  const source = new ScriptedSource();
  const recognizer = new HeldRecognizer();
  const store = memoryStore();
  const transcriber = new LiveTranscriber({
    hub,
    repository: store,
    source,
    recognizer: async () => recognizer,
    languages: ['es'],
    maxRecognitions: 1,
    maxCalls: 8,
    queueSeconds,
    logger: silentLogger(),
  });
  transcriber.start();
  return { hub, source, recognizer, store, transcriber };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('LiveTranscriber', () => {
  it('gives a live transcript to at most maxCalls calls at once; the others are not decoded nor examined', async () => {
    const hub = new LiveHub({ logger: silentLogger(), levels: false });
    const source = new ScriptedSource();
    const recognizer = new HeldRecognizer();
    const transcriber = new LiveTranscriber({
      hub,
      repository: memoryStore(),
      source,
      recognizer: async () => recognizer,
      languages: ['es'],
      maxRecognitions: 1,
      maxCalls: 2,
      queueSeconds: 600,
      logger: silentLogger(),
    });
    const start = (captureId: string) =>
      hub.started({
        captureId,
        source: 'sip',
        startedAtMs: 1000,
        metadata: {} as never,
        pausedSinceMs: null,
      });
    const speak = (captureId: string) =>
      hub.audio(captureId, {
        channel: 0,
        track: 0,
        sampleRate: 8000,
        position: 0,
        arrivalMs: 1000,
        samples: new Int16Array(1600),
        voiced: true,
      });
    start('before'); // in progress when the transcriber starts: taken too
    transcriber.start();
    start('second');
    start('third');
    expect(['before', 'second', 'third'].map((c) => hub.wantsAudio(c))).toEqual([true, true, false]);
    expect(transcriber.passedOver).toBe(1);
    for (const c of ['before', 'second', 'third']) speak(c);
    expect(new Set(source.posted.map((p) => p.key.split('|')[0]))).toEqual(new Set(['before', 'second']));
    // A call that ends frees its place for the next call that starts, not for one already going.
    hub.ended('before', 5000, 'bye');
    expect(hub.wantsAudio('third')).toBe(false);
    start('fourth');
    expect(hub.wantsAudio('fourth')).toBe(true);
    expect(transcriber.passedOver).toBe(1);
    await transcriber.stop();
    expect(hub.wantsAudio('fourth')).toBe(false);
  });

  it('queues utterances behind a busy recogniser, recognises the waiting ones together, and catches up after the call', async () => {
    const { hub, source, recognizer, store, transcriber } = started(600);
    const lines: LiveTranscriptLine[] = [];
    hub.on('line', (l) => lines.push(l));
    const captureId = 'c1';
    hub.started({ captureId, source: 'sip', startedAtMs: 1000, metadata: {} as never, pausedSinceMs: null });
    // 400 ms of customer audio, arriving 2 s into the call: posted to the detector in batches, capture never waits.
    for (let i = 0; i < 20; i++) {
      hub.audio(captureId, {
        channel: 1,
        track: 0,
        sampleRate: 8000,
        position: i * 160,
        arrivalMs: 3000 + i * 20,
        samples: new Int16Array(160),
        voiced: true,
      });
    }
    expect(source.posted.map((p) => p.samples)).toEqual([1600, 1600]);
    const key = source.posted[0]!.key;
    const utterance = (startMs: number) =>
      source.listener({
        type: 'utterance',
        key,
        startMs,
        endMs: startMs + 500,
        samples: new Float32Array(8000),
      });
    utterance(0);
    await tick();
    utterance(1000);
    utterance(2000);
    await tick();
    // One recognition at a time: the first runs, the other two wait.
    expect(recognizer.calls).toEqual([[2000]]);
    expect(transcriber.queued).toBe(2);
    hub.ended(captureId, 9000, 'bye');
    const idle = transcriber.idle();
    recognizer.release();
    await tick();
    await tick();
    // The two that waited go to the recogniser together, on the call's clock (stream offset 2 s).
    expect(recognizer.calls).toEqual([[2000], [3000, 4000]]);
    recognizer.release();
    await idle;
    expect(lines.map((l) => [l.party, l.startMs, l.text])).toEqual([
      ['customer', 2000, 'said at 2000'],
      ['customer', 3000, 'said at 3000'],
      ['customer', 4000, 'said at 4000'],
    ]);
    expect(store.state).toEqual({ utterances: 3, dropped: 0, recognised: 3, complete: true });
  });

  it('leaves utterances out past the queue bound and marks the call incomplete', async () => {
    const { hub, source, recognizer, store, transcriber } = started(10);
    hub.started({
      captureId: 'c2',
      source: 'sip',
      startedAtMs: 0,
      metadata: {} as never,
      pausedSinceMs: null,
    });
    for (let i = 0; i < 10; i++) {
      hub.audio('c2', {
        channel: 0,
        track: 0,
        sampleRate: 8000,
        position: i * 160,
        arrivalMs: i * 20,
        samples: new Int16Array(160),
        voiced: true,
      });
    }
    const key = source.posted[0]!.key;
    // Three utterances of 6 s: the first goes to the recogniser, the second waits, the third does not fit.
    for (const at of [0, 7000, 14_000]) {
      source.listener({
        type: 'utterance',
        key,
        startMs: at,
        endMs: at + 6000,
        samples: new Float32Array(16),
      });
      await tick();
    }
    hub.ended('c2', 21_000, 'bye');
    const idle = transcriber.idle();
    recognizer.release();
    await tick();
    await tick();
    recognizer.release();
    await idle;
    expect(store.state).toEqual({ utterances: 3, dropped: 1, recognised: 2, complete: false });
  });
  it('marks the call incomplete when capture left recorded audio out of the live side (a codec decoded at assembly)', async () => {
    const run = async (leftOut: boolean) => {
      const { hub, source, recognizer, store, transcriber } = started(600);
      hub.started({
        captureId: 'c3',
        source: 'sip',
        startedAtMs: 0,
        metadata: {} as never,
        pausedSinceMs: null,
      });
      for (let i = 0; i < 10; i++) {
        // The last stretch stands for audio the live decoder had not given back when the stream ended.
        const last = i === 9;
        hub.audio('c3', {
          channel: 0,
          track: 0,
          sampleRate: 8000,
          position: i * 160,
          arrivalMs: i * 20,
          samples: new Int16Array(160),
          voiced: !(last && leftOut),
          ...(last && leftOut ? { leftOut: true } : {}),
        });
      }
      source.listener({
        type: 'utterance',
        key: source.posted[0]!.key,
        startMs: 0,
        endMs: 150,
        samples: new Float32Array(16),
      });
      await tick();
      hub.ended('c3', 1000, 'bye');
      const idle = transcriber.idle();
      recognizer.release();
      await idle;
      return store.state;
    };
    // Every utterance recognised either way; only the call whose audio was all given live is complete.
    expect(await run(false)).toEqual({ utterances: 1, dropped: 0, recognised: 1, complete: true });
    expect(await run(true)).toEqual({ utterances: 1, dropped: 0, recognised: 1, complete: false });
  });
});
