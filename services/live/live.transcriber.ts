import { callLanguage } from '../../models/language.ts';
import type { Party } from '../../models/database.ts';
import type { Logger } from '../platform/logger.ts';
import type { SpeechRecognizer } from '../speech/recognizer.ts';
import type { SegmentAudio } from '../speech/segments.ts';
import { VAD_SAMPLE_RATE } from '../speech/vad.sherpa.ts';
import type { CallAlerts, RaisedAlert } from './alert.rules.ts';
import type { LiveAudio, LiveCallView, LiveHub } from './live.hub.ts';
import type { LiveLineRow, LiveRepository } from './live.repository.ts';
import type { UtteranceSource } from './live.segmentation.ts';
import type { VadWorkerEvent } from './vad.worker.ts';

/**
 * The live transcript: each party's audio of the calls in progress (up to `maxCalls` at once; LiveHub.subscribeAudio) is copied, batched
 * and posted to the speech-detection worker (an `UtteranceSource`); each utterance it closes is queued and
 * transcribed by the recogniser worker pool of the call's language, at most `maxRecognitions` at a time; the lines
 * are stored (live_transcript_lines), published to the hub and given to the call's alert rules.
 *
 * Capture is never made to wait: the audio listener only copies and posts. What cannot keep up falls behind, never
 * the other way round: utterances wait in the queue (consecutive ones of the same party are recognised together
 * when they have waited, in one window of the recogniser) and are caught up after the call. Past `queueSeconds` of
 * waiting speech, or when the detector is more than `maxBacklogMs` behind on a stream, a call's utterances are left
 * out and its live transcript is marked incomplete, so the post-call pipeline transcribes the call whole.
 */

export interface LiveTranscriberOptions {
  hub: LiveHub;
  repository: Pick<LiveRepository, 'startTranscript' | 'addLines' | 'count' | 'finish' | 'addAlert'>;
  source: UtteranceSource;
  /** The recogniser of a language (null: no model for it; the call gets no live transcript). */
  recognizer: (language: string | null) => Promise<SpeechRecognizer | null>;
  /** The alert rules of a call (null: no alerts). */
  alerts?: (call: LiveCallView, language: string | null) => CallAlerts | null;
  /** ESCUCHA_LANGUAGES: the first is the language of a call whose metadata names none. */
  languages: readonly string[];
  maxRecognitions: number;
  /** Calls given a live transcript at once; one that starts while this many have one gets none. */
  maxCalls: number;
  queueSeconds: number;
  /** Audio handed to the detector and not yet examined, per stream, past which audio is left out. Default 20 s. */
  maxBacklogMs?: number;
  /** Audio batched per stream before it is posted to the worker. Default 200 ms. */
  batchMs?: number;
  /** Longest utterance the detector keeps open (what an open utterance may hide of the call's clock). */
  maxSpeechMs?: number;
  logger: Logger;
  now?: () => Date;
}

interface Stream {
  key: string;
  captureId: string;
  channel: number;
  /** Where the stream's position 0 lies on the call's clock (ms). */
  offsetMs: number;
  sampleRate: number;
  batch: Int16Array[];
  batchLength: number;
  batchPosition: number;
  /** Samples posted and not yet examined. */
  backlog: number;
  processedMs: number;
  speaking: boolean;
  ended: boolean;
}

interface Run {
  call: LiveCallView;
  language: string | null;
  recognizer: Promise<SpeechRecognizer | null>;
  streams: Map<string, Stream>;
  /** Start (call clock) of each utterance waiting or being recognised. */
  pending: number[];
  ended: boolean;
  endedAtMs: number | null;
  lost: boolean;
  alerts: CallAlerts | null;
  /** Database writes of the call, in order. */
  chain: Promise<void>;
  /** Stops the call's audio reaching the transcriber. */
  unsubscribeAudio: (() => void) | undefined;
}

interface QueuedUtterance {
  run: Run;
  channel: number;
  party: Party;
  startMs: number;
  endMs: number;
  samples: Float32Array;
}

const PARTIES: Record<number, Party> = { 0: 'agent', 1: 'customer' };

export class LiveTranscriber {
  private readonly runs = new Map<string, Run>();
  private readonly streams = new Map<string, Stream>();
  private readonly queue: QueuedUtterance[] = [];
  private queuedMs = 0;
  private active = 0;
  private readonly unsubscribe: (() => void)[] = [];
  private readonly logger: Logger;
  private readonly now: () => Date;
  private readonly maxBacklog: number;
  private readonly batchMs: number;
  private readonly maxSpeechMs: number;
  private idleWaiters: (() => void)[] = [];
  private settling = 0;
  /** Calls in progress with a live transcript (at most maxCalls). */
  private taken = 0;
  private passed = 0;

  constructor(private readonly o: LiveTranscriberOptions) {
    this.logger = o.logger.child({ component: 'live-transcript' });
    this.now = o.now ?? (() => new Date());
    this.maxBacklog = o.maxBacklogMs ?? 20_000;
    this.batchMs = o.batchMs ?? 200;
    this.maxSpeechMs = o.maxSpeechMs ?? 20_000;
  }

  /** Subscribes to the hub: the calls in progress, up to maxCalls at once, get a live transcript. */
  start(): void {
    this.o.source.onEvent((event) => this.onWorker(event));
    this.unsubscribe.push(
      this.o.hub.on('call', (event) => {
        if (event.type === 'started') this.take(event.call);
        else if (event.type === 'ended') this.onEnded(event.call.captureId, event.endedAtMs);
      }),
    );
    for (const call of this.o.hub.calls()) this.take(call);
  }

  /** Calls that started while maxCalls others had a live transcript, and so got none. */
  get passedOver(): number {
    return this.passed;
  }

  /** A call that starts gets a live transcript while fewer than maxCalls have one; its audio is asked for then. */
  private take(call: LiveCallView): void {
    if (this.runs.has(call.captureId)) return;
    if (this.taken >= this.o.maxCalls) {
      if (this.passed++ === 0)
        this.logger.warn(
          { maxCalls: this.o.maxCalls, captureId: call.captureId },
          'live transcript: calls past ESCUCHA_LIVE_MAX_CALLS get none (they are transcribed after they end)',
        );
      return;
    }
    const run = this.runOf(call);
    this.taken++;
    run.unsubscribeAudio = this.o.hub.subscribeAudio(call.captureId, (audio) =>
      this.onAudio(call.captureId, audio),
    );
  }

  /** Utterances waiting for recognition (all calls). */
  get queued(): number {
    return this.queue.length;
  }

  /** Resolves when no call is being transcribed any more (every ended call caught up and stored). */
  idle(): Promise<void> {
    if (this.runs.size === 0 && this.active === 0 && this.settling === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  async stop(): Promise<void> {
    for (const u of this.unsubscribe.splice(0)) u();
    for (const run of this.runs.values()) run.unsubscribeAudio?.();
    this.queue.length = 0;
    for (const run of this.runs.values()) {
      run.lost = true;
      this.write(run, () => this.o.repository.finish(run.call.captureId, null, false));
    }
    await Promise.all([...this.runs.values()].map((r) => r.chain));
    this.runs.clear();
    this.taken = 0;
    await this.o.source.close();
  }

  /** A new run for a call that take() gave a live transcript. */
  private runOf(call: LiveCallView): Run {
    const captureId = call.captureId;
    const language = callLanguage(call.metadata.language) ?? this.o.languages[0] ?? null;
    const run: Run = {
      call,
      language,
      recognizer: this.o.recognizer(language).catch((error: unknown) => {
        this.logger.error({ err: error, captureId, language }, 'no recogniser for the live transcript');
        return null;
      }),
      streams: new Map(),
      pending: [],
      ended: false,
      endedAtMs: null,
      lost: false,
      alerts: this.o.alerts?.(call, language) ?? null,
      chain: Promise.resolve(),
      unsubscribeAudio: undefined,
    };
    this.runs.set(captureId, run);
    const r = run;
    this.write(r, () =>
      this.o.repository.startTranscript({
        captureId,
        startedAt: new Date(call.startedAtMs),
        language,
        agentId: call.metadata.agentId ?? null,
        team: call.metadata.team ?? null,
      }),
    );
    return run;
  }

  // Capture's thread: copy, batch, post. Nothing here waits.
  private onAudio(captureId: string, audio: LiveAudio): void {
    if (audio.leftOut) this.audioLeftOut(captureId);
    if (audio.channel !== 0 && audio.channel !== 1) return;
    const key = `${captureId}|${audio.channel}|${audio.track}`;
    let stream = this.streams.get(key);
    if (!stream) {
      const run = this.runs.get(captureId); // a call given a live transcript (take) only
      if (!run || run.ended) return;
      stream = {
        key,
        captureId,
        channel: audio.channel,
        offsetMs: audio.arrivalMs - run.call.startedAtMs - (audio.position * 1000) / audio.sampleRate,
        sampleRate: audio.sampleRate,
        batch: [],
        batchLength: 0,
        batchPosition: audio.position,
        backlog: 0,
        processedMs: 0,
        speaking: false,
        ended: false,
      };
      this.streams.set(key, stream);
      run.streams.set(key, stream);
    }
    const contiguous = stream.batchPosition + stream.batchLength === audio.position;
    if (!contiguous) this.flush(stream);
    if (stream.batchLength === 0) stream.batchPosition = audio.position;
    stream.batch.push(audio.samples.slice());
    stream.batchLength += audio.samples.length;
    if ((stream.batchLength * 1000) / stream.sampleRate >= this.batchMs) this.flush(stream);
  }

  /**
   * Capture did not give some of the call's recorded audio live (a codec decoded at assembly): the live transcript is
   * marked incomplete, so the post-call pipeline transcribes the call whole instead of reusing it.
   */
  private audioLeftOut(captureId: string): void {
    const run = this.runs.get(captureId);
    if (!run || run.lost) return;
    run.lost = true;
    this.logger.warn(
      { captureId },
      'live audio of a codec decoded at assembly left out: live transcript incomplete',
    );
  }

  private flush(stream: Stream): void {
    if (stream.batchLength === 0) return;
    const samples = new Int16Array(stream.batchLength);
    let at = 0;
    for (const part of stream.batch) {
      samples.set(part, at);
      at += part.length;
    }
    stream.batch = [];
    stream.batchLength = 0;
    if ((stream.backlog * 1000) / stream.sampleRate > this.maxBacklog) {
      // The detector is far behind: this audio is left out of the live transcript (capture keeps it all).
      const run = this.runs.get(stream.captureId);
      if (run && !run.lost) {
        run.lost = true;
        this.logger.warn(
          { captureId: stream.captureId },
          'live speech detection behind: live transcript incomplete',
        );
      }
      return;
    }
    stream.backlog += samples.length;
    this.o.source.audio(stream.key, stream.sampleRate, stream.batchPosition, samples);
  }

  private onEnded(captureId: string, endedAtMs: number): void {
    const run = this.runs.get(captureId);
    if (!run || run.ended) return;
    run.ended = true;
    run.endedAtMs = endedAtMs;
    run.unsubscribeAudio?.();
    this.taken--;
    for (const stream of run.streams.values()) {
      this.flush(stream);
      this.o.source.end(stream.key);
    }
    this.settle(run);
  }

  private onWorker(event: VadWorkerEvent): void {
    if (event.type === 'ready' || event.type === 'init-error') return;
    const stream = this.streams.get(event.key);
    if (!stream) return;
    const run = this.runs.get(stream.captureId);
    if (event.type === 'progress') {
      stream.backlog = Math.max(0, stream.backlog - event.samples);
      stream.processedMs = event.processedMs;
      stream.speaking = event.speaking;
      if (run) this.checkWindow(run);
    } else if (event.type === 'utterance') {
      if (run) this.enqueue(run, stream, event);
    } else if (event.type === 'error') {
      this.logger.error(
        { captureId: stream.captureId, message: event.message },
        'live speech detection failed',
      );
      if (run) run.lost = true;
    } else if (event.type === 'ended') {
      stream.ended = true;
      this.streams.delete(event.key);
      if (run) this.settle(run);
    }
  }

  private enqueue(
    run: Run,
    stream: Stream,
    u: { startMs: number; endMs: number; samples: Float32Array },
  ): void {
    const startMs = Math.max(0, Math.round(stream.offsetMs + u.startMs));
    const endMs = Math.max(startMs, Math.round(stream.offsetMs + u.endMs));
    const length = endMs - startMs;
    if (this.queuedMs + length > this.o.queueSeconds * 1000) {
      run.lost = true;
      this.write(run, () => this.o.repository.count(run.call.captureId, 1, 1));
      this.logger.warn({ captureId: run.call.captureId }, 'live recognition queue full: utterance left out');
      return;
    }
    this.write(run, () => this.o.repository.count(run.call.captureId, 1, 0));
    run.pending.push(startMs);
    this.queue.push({
      run,
      channel: stream.channel,
      party: PARTIES[stream.channel]!,
      startMs,
      endMs,
      samples: u.samples,
    });
    this.queuedMs += length;
    this.dispatch();
  }

  private dispatch(): void {
    while (this.active < this.o.maxRecognitions && this.queue.length > 0) {
      const first = this.queue.shift()!;
      const batch = [first];
      // Utterances of the same party that have waited go into the same window of the recogniser.
      let total = first.endMs - first.startMs;
      for (let i = 0; i < this.queue.length && total < 20_000;) {
        const u = this.queue[i]!;
        if (u.run === first.run && u.channel === first.channel && total + (u.endMs - u.startMs) <= 20_000) {
          batch.push(u);
          total += u.endMs - u.startMs;
          this.queue.splice(i, 1);
        } else i++;
      }
      this.queuedMs -= total;
      this.active++;
      void this.recognise(batch).finally(() => {
        this.active--;
        this.dispatch();
        this.checkIdle();
      });
    }
  }

  private async recognise(batch: QueuedUtterance[]): Promise<void> {
    const run = batch[0]!.run;
    const captureId = run.call.captureId;
    let lines: LiveLineRow[] = [];
    let model = '';
    let failed = false;
    try {
      const recognizer = await run.recognizer;
      if (!recognizer) throw new Error('no recogniser for the call language');
      model = recognizer.model;
      async function* audio(): AsyncGenerator<SegmentAudio> {
        for (const [index, u] of batch.entries()) {
          yield {
            index,
            segment: { startMs: u.startMs, endMs: u.endMs },
            offsetMs: u.startMs,
            samples: u.samples,
          };
        }
      }
      const out = await recognizer.transcribe(audio(), {
        language: run.language,
        sampleRate: VAD_SAMPLE_RATE,
      });
      lines = out
        .filter((s) => s.text.trim() !== '')
        .map((s) => ({
          captureId,
          channel: batch[0]!.channel,
          party: batch[0]!.party,
          startMs: s.startMs,
          endMs: s.endMs,
          text: s.text.trim(),
          language: run.language,
        }));
    } catch (error) {
      failed = true;
      run.lost = true;
      this.logger.error({ err: error, captureId }, 'live recognition failed: utterances left out');
    }
    for (const u of batch) {
      const at = run.pending.indexOf(u.startMs);
      if (at >= 0) run.pending.splice(at, 1);
    }
    if (failed) {
      this.write(run, () => this.o.repository.count(captureId, 0, batch.length));
    } else {
      this.write(run, async () => {
        await this.o.repository.addLines(captureId, lines, { recognised: batch.length, model });
        for (const line of lines) this.o.hub.emit('line', line);
      });
      if (run.alerts && lines.length > 0) this.raise(run, run.alerts.add(lines));
    }
    this.checkWindow(run);
    this.settle(run);
  }

  /** The call-clock time up to which every utterance of the call has been recognised. */
  private heardUpTo(run: Run): number {
    let upTo = Infinity;
    for (const start of run.pending) upTo = Math.min(upTo, start);
    for (const s of run.streams.values()) {
      if (s.ended) continue;
      const examined = s.offsetMs + s.processedMs - (s.speaking ? this.maxSpeechMs : 0);
      upTo = Math.min(upTo, examined);
    }
    return upTo;
  }

  private checkWindow(run: Run): void {
    if (!run.alerts || run.alerts.disclosureDecided) return;
    const upTo = this.heardUpTo(run);
    // While the call is on, `Infinity` only means no stream has audio yet.
    if (upTo === Infinity && !this.done(run)) return;
    this.raise(run, run.alerts.closeWindow(upTo));
  }

  private raise(run: Run, alerts: RaisedAlert[]): void {
    const call = run.call;
    for (const a of alerts) {
      this.write(run, async () => {
        const row = await this.o.repository.addAlert({
          captureId: call.captureId,
          kind: a.kind,
          detail: a.detail,
          atMs: a.atMs,
          raisedAt: this.now(),
          agentId: call.metadata.agentId ?? null,
          team: call.metadata.team ?? null,
          language: run.language,
        });
        this.o.hub.emit('alert', {
          alertId: row.alertId,
          captureId: row.captureId,
          callId: null,
          kind: row.kind,
          detail: row.detail,
          atMs: row.atMs,
          raisedAt: row.raisedAt,
        });
      });
    }
  }

  private done(run: Run): boolean {
    if (!run.ended || run.pending.length > 0) return false;
    for (const s of run.streams.values()) if (!s.ended) return false;
    return true;
  }

  /** An ended call whose every utterance is done: decided, stored, forgotten. */
  private settle(run: Run): void {
    if (!this.done(run) || !this.runs.has(run.call.captureId)) return;
    this.runs.delete(run.call.captureId);
    if (run.alerts) this.raise(run, run.alerts.closeWindow(Infinity));
    const endedAt = new Date(run.endedAtMs ?? Date.now());
    this.write(run, () => this.o.repository.finish(run.call.captureId, endedAt, !run.lost));
    this.settling++;
    void run.chain.then(() => {
      this.settling--;
      this.checkIdle();
    });
  }

  private checkIdle(): void {
    if (this.runs.size > 0 || this.active > 0 || this.settling > 0) return;
    for (const w of this.idleWaiters.splice(0)) w();
  }

  private write(run: Run, step: () => Promise<void>): void {
    run.chain = run.chain.then(step).catch((error: unknown) => {
      run.lost = true;
      this.logger.error({ err: error, captureId: run.call.captureId }, 'live transcript not stored');
    });
  }
}
