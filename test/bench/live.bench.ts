import { randomUUID } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { configuredProfile, createBuiltInPhrases } from '../../services/analytics/index.ts';
import { createSentimentAnalyzer } from '../../services/analytics/sentiment/index.ts';
import { CallAlerts } from '../../services/live/alert.rules.ts';
import { LiveHub } from '../../services/live/live.hub.ts';
import type { LiveAlertRow, NewLiveAlert } from '../../services/live/live.repository.ts';
import { VadWorkerSource } from '../../services/live/live.segmentation.ts';
import { recognizerOf } from '../../services/live/live.setup.ts';
import { LiveTranscriber, type LiveTranscriberOptions } from '../../services/live/live.transcriber.ts';
import { silentLogger } from '../../services/platform/logger.ts';
import { ModelStore } from '../../services/speech/model-store.ts';
import { RecognizerRegistry } from '../../services/speech/recognizer-registry.ts';
import { phonePcm } from '../support/phone-speech.ts';
import { SPEECH_DIR } from '../support/real-speech.ts';
import { median } from './stats.ts';

/**
 * Live transcript capacity and delays. Calls of real Spanish speech (FLEURS at 8 kHz: the agent reads three
 * recordings, the customer one, about 35 s) are played into the live hub in real time, as capture plays calls out,
 * N at a time, through the live transcriber as `escucha serve` runs it (Silero VAD in its worker thread, the default
 * Whisper model in the recogniser pool, the post-call detectors for alerts; the lines are kept in memory instead of
 * PostgreSQL). Measured per step: the delay from the end of an utterance (on the call's clock) to its line, and from
 * the close of the recording-notice window (10 s) to the missing-notice alert; whether the delay grows through the
 * call (late lines slower than early ones by more than 5 s, or utterances left out: the step cannot keep up).
 */

const WINDOW_MS = 10_000;

type LinesStore = LiveTranscriberOptions['repository'];

class MemoryLines implements LinesStore {
  /** Utterances left out (queue full, recognition failed), and calls whose transcript ended incomplete. */
  dropped = 0;
  incomplete = 0;
  startTranscript(): Promise<void> {
    return Promise.resolve();
  }
  addLines(): Promise<void> {
    return Promise.resolve();
  }
  count(_captureId: string, _found: number, dropped: number): Promise<void> {
    this.dropped += dropped;
    return Promise.resolve();
  }
  finish(_captureId: string, _endedAt: Date | null, complete: boolean): Promise<void> {
    if (!complete) this.incomplete++;
    return Promise.resolve();
  }
  addAlert(a: NewLiveAlert): Promise<LiveAlertRow> {
    return Promise.resolve({
      alertId: randomUUID(),
      captureId: a.captureId,
      callId: null,
      kind: a.kind,
      detail: a.detail,
      atMs: a.atMs,
      raisedAt: new Date().toISOString(),
      agentId: null,
      team: null,
      language: null,
      acknowledgedBy: null,
      acknowledgedAt: null,
    });
  }
}

export interface LiveStep {
  calls: number;
  lines: number;
  lineDelayMs: { p50: number; p95: number; max: number };
  /** Median delay of the lines in the call's last third minus that of its first third. */
  lagGrowthMs: number;
  alertDelayMs: { p50: number; max: number } | null;
  alerts: number;
  utterancesLeftOut: number;
  keptUp: boolean;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

async function step(
  calls: number,
  speech: { agent: Int16Array; customer: Int16Array; customerAt: number },
  recognizers: RecognizerRegistry,
): Promise<LiveStep> {
  const hub = new LiveHub({ logger: silentLogger(), levels: true });
  const source = new VadWorkerSource();
  await source.ready();
  const phrases = createBuiltInPhrases();
  const sentiment = createSentimentAnalyzer();
  const memory = new MemoryLines();
  const transcriber = new LiveTranscriber({
    hub,
    repository: memory,
    source,
    recognizer: recognizerOf({ asrModel: undefined }, recognizers),
    alerts: () =>
      new CallAlerts({
        language: 'es',
        profile: configuredProfile('generic', { windowMs: WINDOW_MS }),
        phrases,
        sentiment,
      }),
    languages: ['es', 'en'],
    maxRecognitions: 1,
    queueSeconds: 120,
    logger: silentLogger(),
  });
  transcriber.start();
  const startOf = new Map<string, number>();
  const delays: Array<{ endMs: number; delay: number }> = [];
  const alertDelays: number[] = [];
  hub.on('line', (l) =>
    delays.push({ endMs: l.endMs, delay: Date.now() - (startOf.get(l.captureId)! + l.endMs) }),
  );
  hub.on('alert', (a) => {
    if (a.kind === 'disclosure_missing') alertDelays.push(Date.now() - (startOf.get(a.captureId)! + a.atMs));
  });
  const length = Math.max(speech.agent.length, speech.customerAt + speech.customer.length);
  const ids = Array.from({ length: calls }, () => randomUUID());
  const t0 = Date.now();
  ids.forEach((id, i) => {
    startOf.set(id, t0);
    hub.started({
      captureId: id,
      source: 'sip',
      startedAtMs: t0,
      metadata: { agentId: `A-${i}`, language: 'es', startedAt: new Date(t0).toISOString() } as never,
      pausedSinceMs: null,
    });
  });
  // 20 ms packets at their real pace, every call at once (as capture's jitter buffers play them out).
  for (let at = 0; at < length; at += 160) {
    const due = t0 + at / 8;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    for (const id of ids) {
      const send = (channel: number, pcm: Int16Array, offset: number) => {
        const i = at - offset;
        const samples = i >= 0 && i < pcm.length ? pcm.subarray(i, i + 160) : new Int16Array(160);
        hub.audio(id, {
          channel,
          track: channel,
          sampleRate: 8000,
          position: at,
          arrivalMs: Date.now(),
          samples,
          voiced: true,
        });
      };
      send(0, speech.agent, 0);
      send(1, speech.customer, speech.customerAt);
    }
  }
  for (const id of ids) hub.ended(id, Date.now(), 'bye');
  await transcriber.idle();
  await transcriber.stop();
  const values = delays.map((d) => d.delay);
  const callMs = length / 8;
  const early = delays.filter((d) => d.endMs < callMs / 3).map((d) => d.delay);
  const late = delays.filter((d) => d.endMs > (2 * callMs) / 3).map((d) => d.delay);
  const lagGrowthMs = Math.round(median(late) - median(early));
  const left = memory.dropped;
  return {
    calls,
    lines: delays.length,
    lineDelayMs: {
      p50: Math.round(percentile(values, 50)),
      p95: Math.round(percentile(values, 95)),
      max: Math.round(Math.max(...values)),
    },
    lagGrowthMs,
    alertDelayMs: alertDelays.length
      ? { p50: Math.round(median(alertDelays)), max: Math.round(Math.max(...alertDelays)) }
      : null,
    alerts: alertDelays.length,
    utterancesLeftOut: left,
    keptUp: left === 0 && memory.incomplete === 0 && lagGrowthMs < 5000 && alertDelays.length === calls,
  };
}

export async function run(): Promise<{ cores: number; model: string; steps: LiveStep[]; capacity: number }> {
  const agent = await Promise.all(
    ['fleurs-es-000', 'fleurs-es-002', 'fleurs-es-004'].map((f) =>
      phonePcm(path.join(SPEECH_DIR, `${f}.ogg`)),
    ),
  );
  const gap = new Int16Array(800 * 8);
  const agentPcm = new Int16Array(agent.reduce((n, a) => n + a.length + gap.length, 0));
  agent.reduce((at, a) => (agentPcm.set(a, at), at + a.length + gap.length), 0);
  const customer = await phonePcm(path.join(SPEECH_DIR, 'fleurs-es-003.ogg'));
  const speech = { agent: agentPcm, customer, customerAt: 14_000 * 8 };
  const recognizers = new RecognizerRegistry({
    models: new ModelStore({ modelsDir: path.resolve(process.env.ESCUCHA_MODELS_DIR ?? './var/models') }),
    workers: Math.max(1, os.availableParallelism() - 1),
    beamSize: 1,
    logger: silentLogger(),
  });
  const steps: LiveStep[] = [];
  let capacity = 0;
  try {
    for (const calls of [1, 2, 3, 4, 6, 8]) {
      const result = await step(calls, speech, recognizers);
      steps.push(result);
      console.log(JSON.stringify(result));
      if (!result.keptUp) break;
      capacity = calls;
    }
  } finally {
    await recognizers.close();
  }
  return { cores: os.availableParallelism(), model: 'default (whisper-base)', steps, capacity };
}
