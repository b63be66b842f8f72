import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createApp } from '../../services/api/app.ts';
import { buildServices, type Services } from '../../services/composition.ts';
import type { LiveHub } from '../../services/live/live.hub.ts';
import { LiveRepository } from '../../services/live/live.repository.ts';
import { recognizerOf, startLiveTranscript } from '../../services/live/live.setup.ts';
import { loadConfig, type Config } from '../../services/platform/config.ts';
import { silentLogger } from '../../services/platform/logger.ts';
import type { Pipeline } from '../../services/pipeline/pipeline.ts';
import { ModelStore } from '../../services/speech/model-store.ts';
import { RecognizerRegistry } from '../../services/speech/recognizer-registry.ts';
import type { SegmentAudio } from '../../services/speech/segments.ts';
import { VAD_SAMPLE_RATE } from '../../services/speech/vad.sherpa.ts';
import {
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  verifyWebhook,
} from '../../services/webhooks/webhook.signature.ts';
import { conversation, startInRound, type Conversation } from './conversation.ts';
import { median, percentile } from './stats.ts';

/**
 * Live transcript and real-time alerts, as `escucha serve` runs them, on real speech in real time.
 *
 * Built by the composition root over an embedded PostgreSQL of its own (under ESCUCHA_BENCH_DIR, default
 * /tmp/escucha-bench, removed at the end): the live hub, the live transcript (Silero VAD in its worker thread, the
 * default model in the recogniser pool, lines and alerts stored in PostgreSQL), the job queue with the webhook
 * deliverer, and the API on a local port. A webhook subscription to `live.alert` is made through the API; its
 * receiver, a local HTTP server, verifies every request's HMAC signature. An API client holds the alerts' event
 * stream open (GET /live/alerts/events, as an EventSource would) and another asks GET /live/alerts every 4 s, as the
 * app shell's alert notice does (services/web/src/components/alert-notice.tsx).
 *
 * Each call is a conversation of real Spanish speech (FLEURS at 8 kHz: the agent reads three recordings, the customer
 * answers with one; a round of 35.6 s) played twice over, 20 ms packets at their real pace into the live hub as
 * capture's jitter buffers play them out. The N calls of a step all start at once but each starts at a different
 * point of the conversation (call i at i/N of the round), so their utterances do not all end together. No call gives
 * the recording notice: each raises the missing-notice alert when its window (10 s from the first speech) closes.
 *
 * Measured per step: the delay from the end of an utterance (on the call's clock) to its line; from the close of the
 * disclosure window to the alert on the hub (the wait for every utterance said before it to be recognised: the
 * recognition time), to the alert on the event stream, to the alert in the polling notice, and to the webhook
 * received. A step has **growing lag** when the lines of the second round come later than those of the first (the
 * same utterances) by more than GROWTH_LIMIT_MS in median, or when utterances are left out, a transcript ends
 * incomplete, a call raises no alert, or lines are still missing CATCH_UP_MS after the calls end. The steps go up
 * until one has growing lag; capacity is the last step before it.
 */

const WINDOW_SECONDS = 10;
/** The round-2 median line delay may exceed round 1's by this much before the lag counts as growing. */
const GROWTH_LIMIT_MS = 2000;
/** How long after the calls end the transcript may take to catch up before the step counts as behind. */
const CATCH_UP_MS = 60_000;
/** How often the app shell's alert notice asks for new alerts (POLL_MS in alert-notice.tsx). */
const NOTICE_POLL_MS = 4000;
/** How long after the transcript is done the bench waits for the alerts' webhooks and notices. */
const DELIVERY_WAIT_MS = 20_000;
const DEFAULT_STEPS = [1, 4, 8, 12, 16, 24];

export const CRITERION =
  `growing lag: median line delay of round 2 minus round 1 (the same utterances) > ${GROWTH_LIMIT_MS} ms, or any ` +
  `utterance left out, transcript incomplete, missing alert, or lines still missing ${CATCH_UP_MS / 1000} s after ` +
  `the calls end`;

interface Percentiles {
  n: number;
  p50: number;
  p95: number;
  max: number;
}

export interface LiveStep {
  calls: number;
  lines: number;
  lineDelayMs: Percentiles;
  /** Median line delay of each round of the conversation, and their difference (round 2 - round 1). */
  round1MedianMs: number;
  round2MedianMs: number;
  /** Null when one of the rounds has no line (it then counts as growing lag). */
  lagGrowthMs: number | null;
  /** Least-squares slope of line delay against the utterance's end on the call's clock (ms per s of call). */
  lagSlopeMsPerS: number;
  /** Utterances waiting for recognition at the end of each round's audio. */
  queuedAtRound1End: number;
  queuedAtRound2End: number;
  /** From the calls' last packet to the last line of the step. */
  catchUpMs: number;
  utterancesLeftOut: number;
  incompleteTranscripts: number;
  /** Missing-notice alerts raised (one per call expected), other alerts raised. */
  disclosureAlerts: number;
  otherAlerts: number;
  /**
   * Window close → the alert on the hub (stored, published): the wait for every utterance said before the window's
   * end to be recognised. The rest are from the window's close too.
   */
  alertRecognitionMs: Percentiles | null;
  alertEventStreamMs: Percentiles | null;
  alertWebhookMs: Percentiles | null;
  alertNoticePollMs: Percentiles | null;
  /** After the alert reached the hub: to the event stream, to the webhook receiver (the part the < 2 s target is on). */
  afterHubEventStreamMs: Percentiles | null;
  afterHubWebhookMs: Percentiles | null;
  webhooksReceived: number;
  webhookBadSignatures: number;
  growingLag: boolean;
  why: string[];
  /** Wall time of the step, catch-up and deliveries included. */
  stepSeconds: number;
  /** The machine's load average (1, 5, 15 min) when the step ended. */
  loadAverage: number[];
}

export interface LiveBenchResult {
  cores: number;
  loadAverage: { start: number[]; end: number[] };
  model: string;
  settings: {
    windowSeconds: number;
    roundMs: number;
    maxRecognitions: number;
    asrWorkers: number;
    jobPollingSeconds: number;
    webhookConcurrency: number;
    noticePollMs: number;
  };
  criterion: string;
  steps: LiveStep[];
  /** Most calls at once with no growing lag (0: even the first step had it). */
  capacity: number;
  /** The first step with growing lag (null: none of the steps). */
  firstGrowingLag: number | null;
  seconds: number;
}

const summary = (values: number[]): Percentiles | null =>
  values.length === 0
    ? null
    : {
        n: values.length,
        p50: Math.round(percentile(values, 50)),
        p95: Math.round(percentile(values, 95)),
        max: Math.round(Math.max(...values)),
      };

const loadAverage = () => os.loadavg().map((v) => Math.round(v * 100) / 100);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function slope(points: Array<{ x: number; y: number }>): number {
  if (points.length < 2) return 0;
  const mx = points.reduce((s, p) => s + p.x, 0) / points.length;
  const my = points.reduce((s, p) => s + p.y, 0) / points.length;
  const sxx = points.reduce((s, p) => s + (p.x - mx) ** 2, 0);
  const sxy = points.reduce((s, p) => s + (p.x - mx) * (p.y - my), 0);
  return sxx === 0 ? 0 : sxy / sxx;
}

/** What the API's clients and the webhook receiver saw, by alert id (epoch ms). */
interface Seen {
  eventStream: Map<string, number>;
  notice: Map<string, number>;
  webhook: Map<string, number>;
  badSignatures: number;
}

async function step(
  calls: number,
  talk: Conversation,
  ctx: { services: Services<Pipeline | null>; config: Config; recognizers: RecognizerRegistry; seen: Seen },
): Promise<LiveStep> {
  const { services, config, recognizers, seen } = ctx;
  const began = performance.now();
  const hub: LiveHub = services.live;
  const started = await startLiveTranscript({
    config,
    hub,
    repository: new LiveRepository(services.database.db),
    recognizers,
    logger: silentLogger(),
  });
  const transcriber = started.transcriber;
  if (!transcriber) throw new Error(`the live transcript did not start: ${started.note}`);
  const roundMs = talk.length / 8;
  const startOf = new Map<string, number>();
  const lines: Array<{ endMs: number; delay: number; at: number }> = [];
  const disclosure = new Map<string, { windowAt: number; hubAt: number }>();
  let otherAlerts = 0;
  const off = [
    hub.on('line', (l) => {
      const t0 = startOf.get(l.captureId);
      if (t0 !== undefined)
        lines.push({ endMs: l.endMs, delay: Date.now() - (t0 + l.endMs), at: Date.now() });
    }),
    hub.on('alert', (a) => {
      const t0 = startOf.get(a.captureId);
      if (t0 === undefined) return;
      if (a.kind === 'disclosure_missing')
        disclosure.set(a.alertId, { windowAt: t0 + a.atMs, hubAt: Date.now() });
      else otherAlerts++;
    }),
  ];
  const ids = Array.from({ length: calls }, () => crypto.randomUUID());
  const offsets = ids.map((_, i) => startInRound(i, calls, talk.length));
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
  const total = 2 * talk.length;
  const queued: number[] = [];
  // 20 ms packets at their real pace, every call at once (as capture's jitter buffers play them out).
  for (let at = 0; at < total; at += 160) {
    if (at === talk.length) queued.push(transcriber.queued);
    const wait = t0 + at / 8 - Date.now();
    if (wait > 0) await sleep(wait);
    for (const [i, id] of ids.entries()) {
      const from = (offsets[i]! + at) % talk.length;
      for (const [channel, pcm] of [talk.agent, talk.customer].entries()) {
        hub.audio(id, {
          channel,
          track: channel,
          sampleRate: 8000,
          position: at,
          arrivalMs: Date.now(),
          samples: pcm.subarray(from, from + 160),
          voiced: true,
        });
      }
    }
  }
  queued.push(transcriber.queued);
  const endedAt = Date.now();
  for (const id of ids) hub.ended(id, endedAt, 'bye');
  const caughtUp = await Promise.race([
    transcriber.idle().then(() => true),
    sleep(CATCH_UP_MS).then(() => false),
  ]);
  // The alerts' webhooks and notices: the job queue is polled, the notice asks every few seconds.
  const deadline = Date.now() + DELIVERY_WAIT_MS;
  const delivered = () =>
    [...disclosure.keys()].every(
      (id) => seen.webhook.has(id) && seen.eventStream.has(id) && seen.notice.has(id),
    );
  while (Date.now() < deadline && !delivered()) await sleep(100);
  for (const f of off) f();
  const stats = await transcriptStats(services, ids);
  await transcriber.stop();
  // A recognition still running when the transcript stops finishes before the pool may be closed.
  await transcriber.idle();

  const delays = lines.map((l) => l.delay);
  const round1 = lines.filter((l) => l.endMs < roundMs).map((l) => l.delay);
  const round2 = lines.filter((l) => l.endMs >= roundMs).map((l) => l.delay);
  const lagGrowthMs =
    round1.length > 0 && round2.length > 0 ? Math.round(median(round2) - median(round1)) : null;
  const alerts = [...disclosure.entries()];
  const since = (map: Map<string, number>, from: (a: { windowAt: number; hubAt: number }) => number) =>
    summary(alerts.filter(([id]) => map.has(id)).map(([id, a]) => map.get(id)! - from(a)));
  const why: string[] = [];
  if (lagGrowthMs === null) why.push('no line of one round recognised in time to compare the rounds');
  else if (lagGrowthMs > GROWTH_LIMIT_MS) why.push(`round 2 lines ${lagGrowthMs} ms later than round 1`);
  if (stats.leftOut > 0) why.push(`${stats.leftOut} utterances left out`);
  if (stats.incomplete > 0) why.push(`${stats.incomplete} transcripts incomplete`);
  if (disclosure.size < calls) why.push(`${calls - disclosure.size} calls raised no missing-notice alert`);
  if (!caughtUp) why.push(`lines still missing ${CATCH_UP_MS / 1000} s after the calls ended`);
  return {
    calls,
    lines: lines.length,
    lineDelayMs: summary(delays) ?? { n: 0, p50: NaN, p95: NaN, max: NaN },
    round1MedianMs: Math.round(median(round1)),
    round2MedianMs: Math.round(median(round2)),
    lagGrowthMs,
    lagSlopeMsPerS: Math.round(slope(lines.map((l) => ({ x: l.endMs / 1000, y: l.delay })))),
    queuedAtRound1End: queued[0] ?? 0,
    queuedAtRound2End: queued[1] ?? 0,
    catchUpMs: Math.max(0, Math.max(endedAt, ...lines.map((l) => l.at)) - endedAt),
    utterancesLeftOut: stats.leftOut,
    incompleteTranscripts: stats.incomplete,
    disclosureAlerts: disclosure.size,
    otherAlerts,
    alertRecognitionMs: summary(alerts.map(([, a]) => a.hubAt - a.windowAt)),
    alertEventStreamMs: since(seen.eventStream, (a) => a.windowAt),
    alertWebhookMs: since(seen.webhook, (a) => a.windowAt),
    alertNoticePollMs: since(seen.notice, (a) => a.windowAt),
    afterHubEventStreamMs: since(seen.eventStream, (a) => a.hubAt),
    afterHubWebhookMs: since(seen.webhook, (a) => a.hubAt),
    webhooksReceived: alerts.filter(([id]) => seen.webhook.has(id)).length,
    webhookBadSignatures: seen.badSignatures,
    growingLag: why.length > 0,
    why,
    stepSeconds: Math.round((performance.now() - began) / 1000),
    loadAverage: loadAverage(),
  };
}

/** Loads the default model into the recogniser pool, so that the first step does not pay for it. */
async function warmUp(config: Config, recognizers: RecognizerRegistry, talk: Conversation): Promise<void> {
  const recognizer = await recognizerOf(config, recognizers)('es');
  if (!recognizer) throw new Error('no model for Spanish: run escucha models fetch');
  const pcm = talk.agent.subarray(0, 3 * 8000);
  // The recogniser takes 16 kHz float samples, as the speech detector hands them over.
  const samples = new Float32Array(pcm.length * 2).map((_, i) => pcm[i >> 1]! / 32768);
  async function* audio(): AsyncGenerator<SegmentAudio> {
    yield { index: 0, segment: { startMs: 0, endMs: 3000 }, offsetMs: 0, samples };
  }
  await recognizer.transcribe(audio(), { language: 'es', sampleRate: VAD_SAMPLE_RATE });
}

/** Utterances left out and transcripts incomplete, as the live transcript stored them. */
async function transcriptStats(
  services: Services<Pipeline | null>,
  ids: string[],
): Promise<{ leftOut: number; incomplete: number }> {
  let leftOut = 0;
  let incomplete = 0;
  const live = new LiveRepository(services.database.db);
  for (const id of ids) {
    const state = await live.state(id);
    if (!state?.complete) incomplete++;
    leftOut += state?.dropped ?? 0;
  }
  return { leftOut, incomplete };
}

/** The webhook receiver: verifies each request's signature and notes when each alert arrived. */
async function webhookReceiver(secret: () => string, seen: Seen): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const at = Date.now();
      const body = Buffer.concat(chunks).toString('utf8');
      const header = (name: string) => req.headers[name] as string | undefined;
      const ok = verifyWebhook(
        secret(),
        { signature: header(SIGNATURE_HEADER), timestamp: header(TIMESTAMP_HEADER) },
        body,
      );
      if (!ok) {
        seen.badSignatures++;
        res.writeHead(401).end();
        return;
      }
      const envelope = JSON.parse(body) as { type: string; data: { alertId?: string } };
      if (
        envelope.type === 'live.alert' &&
        envelope.data.alertId &&
        !seen.webhook.has(envelope.data.alertId)
      ) {
        seen.webhook.set(envelope.data.alertId, at);
      }
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/escucha` };
}

/** GET /live/alerts/events held open, as the browser's EventSource holds it; returns how to close it. */
function eventStreamClient(base: string, key: string, seen: Seen): Promise<() => void> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${base}/api/v1/live/alerts/events`,
      { headers: { Authorization: `Bearer ${key}`, Accept: 'text/event-stream' } },
      (res: IncomingMessage) => {
        if (res.statusCode !== 200) {
          reject(new Error(`alerts event stream: HTTP ${res.statusCode}`));
          return;
        }
        let buffer = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          const at = Date.now();
          buffer += chunk;
          for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
            const message = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const event = /^event: (.*)$/m.exec(message)?.[1];
            const data = /^data: (.*)$/m.exec(message)?.[1];
            if (event !== 'alert' || !data) continue;
            const alertId = (JSON.parse(data) as { alertId: string }).alertId;
            if (!seen.eventStream.has(alertId)) seen.eventStream.set(alertId, at);
          }
        });
        resolve(() => req.destroy());
      },
    );
    req.on('error', (e) => {
      if (!req.destroyed) reject(e);
    });
    req.end();
  });
}

/** The app shell's alert notice: GET /live/alerts?state=open every NOTICE_POLL_MS. Returns how to stop it. */
function noticePoller(base: string, key: string, seen: Seen): () => void {
  const poll = async () => {
    try {
      const res = await fetch(`${base}/api/v1/live/alerts?state=open&limit=20`, {
        headers: { Authorization: `Bearer ${key}` },
      });
      const at = Date.now();
      const { items } = (await res.json()) as { items: Array<{ alertId: string }> };
      for (const a of items) if (!seen.notice.has(a.alertId)) seen.notice.set(a.alertId, at);
    } catch {
      // the next poll tries again, as the notice does
    }
  };
  void poll();
  const timer = setInterval(() => void poll(), NOTICE_POLL_MS);
  return () => clearInterval(timer);
}

export async function run(options: { calls?: number[] } = {}): Promise<LiveBenchResult> {
  const began = performance.now();
  const startLoad = loadAverage();
  const steps = options.calls ?? DEFAULT_STEPS;
  const benchDir = process.env.ESCUCHA_BENCH_DIR ?? '/tmp/escucha-bench';
  await mkdir(benchDir, { recursive: true });
  const root = await mkdtemp(path.join(benchDir, 'live-'));
  // The embedded PostgreSQL's user must reach its data folder when the bench runs as root.
  await chmod(root, 0o755);
  // The deployment's settings (ESCUCHA_*) as serve reads them; the bench's own folder and a 10 s notice window.
  const env = Object.fromEntries(
    Object.entries(process.env).filter(
      ([k]) => k.startsWith('ESCUCHA_') && k !== 'ESCUCHA_DATA_DIR' && k !== 'ESCUCHA_CONFIG',
    ),
  );
  const config = loadConfig({
    // Every call of the largest step gets a live transcript: the bench looks for where the transcript stops keeping
    // up, so no cap (ESCUCHA_LIVE_MAX_CALLS) may hide it.
    env: {
      ESCUCHA_DISCLOSURE_WINDOWS: `generic=${WINDOW_SECONDS}`,
      ...env,
      ESCUCHA_LIVE_MAX_CALLS: String(Math.max(...steps)),
    },
    overrides: { dataDir: root, modelsDir: path.resolve(process.env.ESCUCHA_MODELS_DIR ?? './var/models') },
  });
  const talk = await conversation();
  console.error(`live bench: starting an embedded PostgreSQL in ${root}...`);
  const services = await buildServices(config, { logger: silentLogger(), version: 'bench' });
  const closing: Array<() => Promise<void> | void> = [];
  const seen: Seen = { eventStream: new Map(), notice: new Map(), webhook: new Map(), badSignatures: 0 };
  const recognizers = new RecognizerRegistry({
    models: new ModelStore({ modelsDir: config.modelsDir }),
    workers: config.asrWorkers,
    beamSize: config.asrBeamSize,
    logger: silentLogger(),
  });
  const results: LiveStep[] = [];
  let capacity = 0;
  let firstGrowingLag: number | null = null;
  try {
    const pipeline = services.pipeline;
    const deliverer = services.webhooks.deliverer;
    if (!pipeline || !deliverer) throw new Error('no job queue: webhooks cannot be delivered');
    await pipeline.workWebhooks(deliverer.deliver, config.webhooks.concurrency);
    const app = createApp({ ...services.api, logger: services.logger, webDir: null });
    const api = createServer(app);
    await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
    closing.push(() => new Promise<void>((resolve) => api.close(() => resolve())));
    closing.push(() => api.closeAllConnections());
    const base = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
    const { key } = await services.people.keys.create('admin', 'live-bench');
    let secret = '';
    const receiver = await webhookReceiver(() => secret, seen);
    closing.push(() => new Promise<void>((resolve) => receiver.server.close(() => resolve())));
    const made = await fetch(`${base}/api/v1/webhooks`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'live bench', url: receiver.url, events: ['live.alert'] }),
    });
    if (made.status !== 201)
      throw new Error(`webhook subscription: HTTP ${made.status} ${await made.text()}`);
    secret = ((await made.json()) as { secret: string }).secret;
    closing.push(await eventStreamClient(base, key, seen));
    closing.push(noticePoller(base, key, seen));
    console.error('live bench: loading the model (one utterance recognised before the first step)...');
    await warmUp(config, recognizers, talk);
    for (const calls of steps) {
      console.error(`live bench: ${calls} calls at once (load average ${loadAverage().join(' ')})...`);
      const result = await step(calls, talk, { services, config, recognizers, seen });
      results.push(result);
      console.log(JSON.stringify(result));
      if (result.growingLag) {
        firstGrowingLag = calls;
        break;
      }
      capacity = calls;
    }
  } finally {
    for (const c of closing.reverse()) await c();
    await recognizers.close();
    await services.close();
    await rm(root, { recursive: true, force: true });
  }
  return {
    cores: os.availableParallelism(),
    loadAverage: { start: startLoad, end: loadAverage() },
    model: config.asrModel ?? 'default (whisper-base)',
    settings: {
      windowSeconds: WINDOW_SECONDS,
      roundMs: talk.length / 8,
      maxRecognitions: config.live.maxRecognitions,
      asrWorkers: config.asrWorkers,
      jobPollingSeconds: config.pipeline.pollingIntervalSeconds,
      webhookConcurrency: config.webhooks.concurrency,
      noticePollMs: NOTICE_POLL_MS,
    },
    criterion: CRITERION,
    steps: results,
    capacity,
    firstGrowingLag,
    seconds: Math.round((performance.now() - began) / 1000),
  };
}
