import { ENCRYPTED_NOTE } from '../rtp/srtp.sdes.ts';
import { open, readFile, rename, rm, writeFile, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type {
  CapturedCall,
  CapturedDtmf,
  CapturedPause,
  CapturedStreamStats,
  CaptureSource,
  OneWayAudioFlag,
} from '../captured-call.ts';
import { buildCallMetadata, type MetadataRules, type SipFacts, type SiprecFacts } from '../call.metadata.ts';
import {
  DeferredInput,
  deferredFfmpegArgs,
  deferredFileExtension,
  deferredSamples,
  type DeferredCodec,
} from '../rtp/codec.deferred.ts';
import { runFfmpeg } from '../../archive/ffmpeg.runner.ts';
import { detectOneWayAudio } from '../rtp/rtp-quality.ts';
import { readSpool, SPOOL_FILE, type SpoolEvent } from './spool.log.ts';
import type { RecorderSnapshot } from '../rtp/stream.recorder.ts';

/**
 * Turns a call's spool into the `CapturedCall` the archive takes: every stream placed on the call's timeline
 * (first media packet = 0), agent streams on the left channel and customer streams on the right, G.722/G.729/Opus
 * decoded by ffmpeg, key presses and pauses silenced, written as one 16-bit stereo WAV at the highest rate among
 * the streams. Works the same on a call that ended normally and on one a crash cut short (then `recovered`).
 * Streams as long as calls are handled in constant memory: two passes over the spool, channel files written in
 * place, the WAV interleaved in blocks.
 */

export const ASSEMBLED_FILE = 'assembled.json';
export const WAV_FILE = 'call.wav';

export interface AssemblerOptions {
  ffmpegPath: string;
  rules: MetadataRules;
  /** Replace key-press spans with silence in the stored audio (PCI DSS; default true). */
  silenceDtmf?: boolean;
  /** Report which key was pressed (default false: every digit is reported as `X`, only the time is kept). */
  keepDtmfDigits?: boolean;
  /** Extra silence around each key press (default 30 ms before, 60 ms after). */
  dtmfGuardBeforeMs?: number;
  dtmfGuardAfterMs?: number;
  /** Longest recording produced (default 12 h); a longer timeline means corrupt timing and is cut. */
  maxDurationMs?: number;
}

/** What live capture and pcap import both configure of assembly, as their options say it. */
export function assemblerOptionsOf(o: {
  ffmpegPath: string;
  rules: MetadataRules;
  silenceDtmf: boolean;
  keepDtmfDigits?: boolean;
}): AssemblerOptions {
  return {
    ffmpegPath: o.ffmpegPath,
    rules: o.rules,
    silenceDtmf: o.silenceDtmf,
    keepDtmfDigits: o.keepDtmfDigits === true,
  };
}

interface TrackInfo {
  track: number;
  channel: number;
  label: string | null;
  codec: string;
  payloadType: number;
  sampleRate: number;
  deferred: DeferredCodec | null;
  /** False for a codec Escucha cannot decode, or one ffmpeg failed on. */
  decodable: boolean;
  origin: number | undefined;
  extent: number;
  stats: RecorderSnapshot | undefined;
  sumSquares: number;
  levelSamples: number;
}

interface DeferredTrack {
  file: string;
  handle: FileHandle;
  /** Each spooled unit's place, and its runs of samples: decoded by ffmpeg (> 0) or silence (< 0). */
  entries: Array<{ position: number; trim: number; runs: number[] }>;
  input: DeferredInput;
}

interface Collected {
  header: SpoolEvent | undefined;
  sip: SipFacts | undefined;
  siprec: SiprecFacts | null;
  tracks: Map<number, TrackInfo>;
  dtmf: Array<{
    channel: number;
    digit: string;
    atMs: number;
    durationMs: number;
    method: 'rfc4733' | 'sip-info';
  }>;
  pauses: Array<{ atMs: number; kind: 'pause' | 'resume'; reason: string }>;
  end: { atMs: number; reason: string } | undefined;
  notes: string[];
  clean: boolean;
  /** Bytes the spool could not write while the call ran (`loss` events: its disk was full). */
  lostBytes: number;
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

async function collect(dir: string): Promise<Collected> {
  const c: Collected = {
    header: undefined,
    sip: undefined,
    siprec: null,
    tracks: new Map(),
    dtmf: [],
    pauses: [],
    end: undefined,
    notes: [],
    clean: true,
    lostBytes: 0,
  };
  const result = await readSpool(
    path.join(dir, SPOOL_FILE),
    (record) => {
      if (record.type === 'extent' || record.type === 'silence') {
        const t = c.tracks.get(record.track);
        if (t) t.extent = Math.max(t.extent, record.position + record.count);
        return;
      }
      if (record.type === 'payload') {
        const t = c.tracks.get(record.track);
        if (t?.deferred) {
          const samples = deferredSamples(t.deferred, record.payload) - record.trim;
          t.extent = Math.max(t.extent, record.position + Math.max(0, samples));
        }
        return;
      }
      if (record.type !== 'event') return;
      const e = record.event;
      switch (e.t) {
        case 'call':
          c.header = e;
          c.sip = e.sip as SipFacts;
          c.siprec = (e.siprec as SiprecFacts | null) ?? null;
          for (const n of (e.notes as string[] | undefined) ?? []) c.notes.push(n);
          break;
        case 'meta':
          if (c.sip && typeof e.headers === 'object' && e.headers !== null) {
            c.sip = { ...c.sip, headers: { ...c.sip.headers, ...(e.headers as Record<string, string>) } };
          }
          if (e.siprec !== undefined) c.siprec = (e.siprec as SiprecFacts | null) ?? c.siprec;
          break;
        case 'stream': {
          const track = num(e.track) ?? -1;
          c.tracks.set(track, {
            track,
            channel: num(e.channel) === 1 ? 1 : 0,
            label: str(e.label) ?? null,
            codec: str(e.codec) ?? 'unknown',
            payloadType: num(e.payloadType) ?? -1,
            sampleRate: num(e.sampleRate) ?? 8000,
            deferred: (str(e.deferred) as DeferredCodec | undefined) ?? null,
            decodable: e.decodable !== false,
            origin: undefined,
            extent: 0,
            stats: undefined,
            sumSquares: 0,
            levelSamples: 0,
          });
          break;
        }
        case 'origin': {
          const t = c.tracks.get(num(e.track) ?? -1);
          if (t && t.origin === undefined) t.origin = num(e.atMs);
          break;
        }
        case 'stats': {
          const t = c.tracks.get(num(e.track) ?? -1);
          if (t) t.stats = e as unknown as RecorderSnapshot;
          break;
        }
        case 'dtmf': {
          const atMs = num(e.atMs);
          const digit = str(e.digit);
          if (atMs === undefined || digit === undefined) break;
          c.dtmf.push({
            channel: num(e.channel) === 1 ? 1 : 0,
            digit,
            atMs,
            durationMs: Math.max(0, num(e.durationMs) ?? 0),
            method: e.method === 'sip-info' ? 'sip-info' : 'rfc4733',
          });
          break;
        }
        case 'pause':
        case 'resume': {
          const atMs = num(e.atMs);
          if (atMs !== undefined) c.pauses.push({ atMs, kind: e.t, reason: str(e.reason) ?? 'inactive' });
          break;
        }
        case 'end':
          c.end = { atMs: num(e.atMs) ?? 0, reason: str(e.reason) ?? 'bye' };
          break;
        case 'note':
          if (typeof e.text === 'string') c.notes.push(e.text);
          break;
        case 'loss': {
          const bytes = num(e.bytes) ?? 0;
          c.lostBytes += bytes;
          c.notes.push(`${bytes} bytes of the call could not be spooled: ${str(e.reason) ?? 'write failed'}`);
          break;
        }
        default:
          break;
      }
    },
    { eventsOnly: true },
  );
  c.clean = result.clean;
  return c;
}

/** Linear-interpolation resampling by `factor` (output rate / input rate, ≥ 1). */
function resample(samples: Int16Array, factor: number): Int16Array {
  if (factor === 1) return samples;
  const out = new Int16Array(Math.round(samples.length * factor));
  const last = samples.length - 1;
  for (let j = 0; j < out.length; j++) {
    const x = j / factor;
    const i = Math.floor(x);
    const a = samples[Math.min(i, last)] ?? 0;
    const b = samples[Math.min(i + 1, last)] ?? 0;
    out[j] = Math.round(a + (b - a) * (x - i));
  }
  return out;
}

function toBytes(samples: Int16Array): Buffer {
  const out = Buffer.allocUnsafe(samples.length * 2);
  for (let i = 0; i < samples.length; i++) out.writeInt16LE(samples[i] ?? 0, i * 2);
  return out;
}

function wavHeader(frames: number, sampleRate: number, channels: number): Buffer {
  const dataBytes = frames * channels * 2;
  const h = Buffer.alloc(44);
  h.write('RIFF', 0, 'latin1');
  h.writeUInt32LE(36 + dataBytes, 4);
  h.write('WAVE', 8, 'latin1');
  h.write('fmt ', 12, 'latin1');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(channels, 22);
  h.writeUInt32LE(sampleRate, 24);
  h.writeUInt32LE(sampleRate * channels * 2, 28);
  h.writeUInt16LE(channels * 2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36, 'latin1');
  h.writeUInt32LE(dataBytes, 40);
  return h;
}

/**
 * `incomplete`, from the capture that recorded the call, says why its spool lacks its end (the last writes failed):
 * the call is then truncated, with that said, rather than taken for one a stopped process left behind.
 */
export async function assembleCall(
  dir: string,
  options: AssemblerOptions,
  incomplete?: string,
): Promise<CapturedCall> {
  const c = await collect(dir);
  if (!c.header || !c.sip) throw new Error(`spool ${dir} has no call header`);
  const captureId = str(c.header.captureId) ?? path.basename(dir);
  const source = (str(c.header.source) ?? 'sip') as CaptureSource;
  const recovered = c.end === undefined && incomplete === undefined;
  const notes = [...c.notes];
  if (!c.clean) notes.push('the spool ended in a torn record (the capture process stopped mid-write)');
  if (recovered) notes.push('recovered from the spool after the capture process stopped mid-call');
  if (incomplete !== undefined) notes.push(`incomplete: ${incomplete}`);

  // Timeline: 0 = the first media packet of any stream.
  const tracks = [...c.tracks.values()];
  const starts: number[] = [];
  const ends: number[] = [];
  for (const t of tracks) {
    const first = t.origin ?? t.stats?.firstArrivalMs ?? undefined;
    if (first !== undefined && first !== null) starts.push(first);
    if (t.origin !== undefined) ends.push(t.origin + (t.extent * 1000) / t.sampleRate);
    if (t.stats?.endMs !== undefined && t.stats.endMs !== null) ends.push(t.stats.endMs);
  }
  for (const d of c.dtmf) {
    starts.push(d.atMs);
    ends.push(d.atMs + d.durationMs);
  }
  const startedAtMs = num(c.header.startedAtMs) ?? Date.now();
  const noMedia = starts.length === 0;
  // SRTP without keys (passive capture): the call keeps its length as silence, and its note says why.
  if (noMedia && !notes.includes(ENCRYPTED_NOTE)) notes.push('no RTP was received');
  const origin = noMedia ? startedAtMs : Math.min(...starts);
  const maxDuration = options.maxDurationMs ?? 12 * 3600_000;
  let endMs = noMedia ? (c.end?.atMs ?? startedAtMs) : Math.max(...ends);
  if (endMs - origin > maxDuration) {
    notes.push(`timeline longer than ${maxDuration} ms was cut`);
    endMs = origin + maxDuration;
  }
  const rate = Math.max(8000, ...tracks.filter((t) => t.extent > 0).map((t) => t.sampleRate));
  const frames = Math.max(Math.round(((endMs - origin) * rate) / 1000), Math.round(rate / 10));

  const channelFiles = [path.join(dir, 'ch0.raw'), path.join(dir, 'ch1.raw')];
  const channels = await Promise.all(channelFiles.map((f) => open(f, 'w+')));
  const deferred = new Map<number, DeferredTrack>();
  try {
    for (const ch of channels) await ch.truncate(frames * 2);
    const offsetOf = (t: TrackInfo, position: number): number =>
      Math.round((((t.origin ?? origin) - origin) * rate) / 1000 + (position * rate) / t.sampleRate);
    const place = async (t: TrackInfo, position: number, samples: Int16Array): Promise<void> => {
      for (const s of samples) t.sumSquares += s * s;
      t.levelSamples += samples.length;
      const data = resample(samples, rate / t.sampleRate);
      let at = offsetOf(t, position);
      let from = 0;
      if (at < 0) {
        from = -at;
        at = 0;
      }
      const count = Math.min(data.length - from, frames - at);
      if (count <= 0) return;
      const bytes = toBytes(data.subarray(from, from + count));
      await channels[t.channel]!.write(bytes, 0, bytes.length, at * 2);
    };

    // Second pass: audio into the channel files; deferred payloads into one ffmpeg input per track.
    await readSpool(path.join(dir, SPOOL_FILE), async (record) => {
      if (record.type === 'pcm') {
        const t = c.tracks.get(record.track);
        if (t && !t.deferred) await place(t, record.position, record.samples);
      } else if (record.type === 'payload') {
        const t = c.tracks.get(record.track);
        if (!t?.deferred) return;
        let d = deferred.get(t.track);
        if (!d) {
          const file = path.join(dir, `t${t.track}.${deferredFileExtension(t.deferred)}`);
          const handle = await open(file, 'w');
          d = { file, handle, entries: [], input: new DeferredInput(t.deferred) };
          deferred.set(t.track, d);
        }
        const { bytes, pieces } = d.input.add(record.payload);
        if (pieces.length === 0) return;
        d.entries.push({
          position: record.position,
          trim: record.trim,
          runs: pieces.map((p) => (p.data ? p.samples : -p.samples)),
        });
        await d.handle.write(bytes);
      }
    });

    for (const [track, d] of deferred) {
      const t = c.tracks.get(track)!;
      await d.handle.write(d.input.end());
      await d.handle.close();
      const output = `${d.file}.pcm`;
      try {
        await runFfmpeg(deferredFfmpegArgs(t.deferred!, d.file, output), {
          what: `decode the ${t.codec} stream`,
          ffmpegPath: options.ffmpegPath,
        }).done;
      } catch (error) {
        notes.push(
          `audio not decodable: ${t.codec} (stream ${t.label ?? track}): the stream could not be decoded: ${(error as Error).message}`,
        );
        t.decodable = false;
        continue;
      }
      const pcm = await open(output, 'r');
      try {
        let cursor = 0;
        for (const entry of d.entries) {
          const samples = new Int16Array(entry.runs.reduce((n, run) => n + Math.abs(run), 0));
          // The entry's decoded runs follow each other in ffmpeg's output: one read for all of them.
          const decoded = Buffer.alloc(entry.runs.reduce((n, run) => n + Math.max(run, 0), 0) * 2);
          const { bytesRead } = await pcm.read(decoded, 0, decoded.length, cursor);
          cursor += decoded.length;
          const available = Math.floor(bytesRead / 2);
          let at = 0;
          let from = 0;
          for (const run of entry.runs) {
            if (run > 0) {
              for (let i = 0; i < run && from + i < available; i++)
                samples[at + i] = decoded.readInt16LE((from + i) * 2);
              from += run;
            }
            at += Math.abs(run);
          }
          await place(t, entry.position, samples.subarray(Math.min(entry.trim, samples.length)));
        }
      } finally {
        await pcm.close();
      }
      await rm(d.file, { force: true });
      await rm(output, { force: true });
    }

    // Silence what must not be kept: key presses (PCI) and paused spans, on both channels.
    const spans: Array<[number, number]> = [];
    if (options.silenceDtmf !== false) {
      const before = options.dtmfGuardBeforeMs ?? 30;
      const after = options.dtmfGuardAfterMs ?? 60;
      for (const d of c.dtmf) spans.push([d.atMs - origin - before, d.atMs - origin + d.durationMs + after]);
    }
    const pauses = pairPauses(c.pauses, endMs).map((p) => ({
      startMs: Math.max(0, Math.round(p.startMs - origin)),
      endMs: Math.max(0, Math.round(p.endMs - origin)),
      reason: p.reason,
    }));
    for (const p of pauses) spans.push([p.startMs, p.endMs]);
    for (const [from, to] of spans) {
      const a = Math.max(0, Math.floor((from * rate) / 1000));
      const b = Math.min(frames, Math.ceil((to * rate) / 1000));
      if (b <= a) continue;
      const zeros = Buffer.alloc((b - a) * 2);
      for (const ch of channels) await ch.write(zeros, 0, zeros.length, a * 2);
    }

    // Interleave into the WAV.
    const wavPath = path.join(dir, WAV_FILE);
    const wav = await open(`${wavPath}.tmp`, 'w');
    try {
      await wav.write(wavHeader(frames, rate, 2));
      const block = 65536;
      const left = Buffer.alloc(block * 2);
      const right = Buffer.alloc(block * 2);
      for (let at = 0; at < frames; at += block) {
        const n = Math.min(block, frames - at);
        await channels[0]!.read(left, 0, n * 2, at * 2);
        await channels[1]!.read(right, 0, n * 2, at * 2);
        const out = Buffer.allocUnsafe(n * 4);
        for (let i = 0; i < n; i++) {
          out.writeInt16LE(left.readInt16LE(i * 2), i * 4);
          out.writeInt16LE(right.readInt16LE(i * 2), i * 4 + 2);
        }
        await wav.write(out);
      }
      await wav.sync();
    } finally {
      await wav.close();
    }
    await rename(`${wavPath}.tmp`, wavPath);

    const durationMs = Math.round((frames * 1000) / rate);
    const streams = tracks.map((t) => streamStats(t, origin));
    for (const t of tracks) {
      if (!t.decodable && t.deferred === null && (t.stats?.received ?? 0) > 0) {
        notes.push(
          `audio not decodable: ${t.codec} (stream ${t.label ?? t.track}); the call is kept with its metadata, and silence where that stream's audio was`,
        );
      }
    }
    for (const s of streams) {
      const dropped = s.srtp ? s.srtp.authFailures + s.srtp.rtcpAuthFailures : 0;
      if (s.srtp && dropped > 0) {
        notes.push(
          `stream ${s.label ?? '?'} (SRTP ${s.srtp.suite}): ${dropped} packet(s) failed authentication and were dropped`,
        );
      }
    }
    const decodable = tracks.filter((t) => t.decodable);
    const oneWayAudio =
      decodable.length === 0 && tracks.length > 0
        ? { oneWay: false, silentChannel: null, reason: 'audio-not-decodable' }
        : oneWay(decodable, noMedia);
    const truncated =
      recovered ||
      incomplete !== undefined ||
      c.lostBytes > 0 ||
      (c.end !== undefined && !['bye', 'cancel', 'media-ended'].includes(c.end.reason));
    const custom: Record<string, string | number | boolean> = {};
    if (recovered) custom.recovered = true;
    if (truncated) custom.truncated = true;
    if (oneWayAudio.oneWay) custom.oneWayAudio = true;
    const metadata = buildCallMetadata(
      {
        sip: c.sip,
        siprec: c.siprec,
        startedAt: new Date(origin),
        endedAt: new Date(origin + durationMs),
        custom,
      },
      options.rules,
    );
    const dtmf: CapturedDtmf[] = c.dtmf
      .map((d) => ({
        channel: d.channel,
        digit: options.keepDtmfDigits === true ? d.digit : 'X',
        startMs: Math.max(0, Math.round(d.atMs - origin)),
        durationMs: Math.round(d.durationMs),
        method: d.method,
      }))
      .sort((a, b) => a.startMs - b.startMs);
    const call: CapturedCall = {
      captureId,
      source,
      filePath: wavPath,
      sizeBytes: 44 + frames * 4,
      sampleRate: rate,
      durationMs,
      metadata,
      streams,
      dtmf,
      pauses,
      oneWayAudio,
      recovered,
      truncated,
      notes,
    };
    const json = path.join(dir, ASSEMBLED_FILE);
    await writeFile(`${json}.tmp`, JSON.stringify(call));
    const h = await open(`${json}.tmp`, 'r+');
    await h.sync().finally(() => h.close());
    await rename(`${json}.tmp`, json);
    return call;
  } finally {
    for (const ch of channels) await ch.close().catch(() => undefined);
    for (const d of deferred.values()) await d.handle.close().catch(() => undefined);
    for (const f of channelFiles) await rm(f, { force: true });
  }
}

function pairPauses(
  events: Collected['pauses'],
  endMs: number,
): Array<{ startMs: number; endMs: number; reason: CapturedPause['reason'] }> {
  const out: Array<{ startMs: number; endMs: number; reason: CapturedPause['reason'] }> = [];
  let open: { atMs: number; reason: string } | undefined;
  for (const e of [...events].sort((a, b) => a.atMs - b.atMs)) {
    if (e.kind === 'pause' && !open) open = e;
    else if (e.kind === 'resume' && open) {
      out.push({ startMs: open.atMs, endMs: e.atMs, reason: pauseReason(open.reason) });
      open = undefined;
    }
  }
  if (open) out.push({ startMs: open.atMs, endMs, reason: pauseReason(open.reason) });
  return out;
}

function pauseReason(reason: string): CapturedPause['reason'] {
  return reason === 'info' || reason === 'hold' ? reason : 'inactive';
}

function levelOf(sumSquares: number, samples: number): number | null {
  if (samples === 0) return null;
  const rms = Math.sqrt(sumSquares / samples);
  return rms === 0 ? -120 : Math.max(-120, 20 * Math.log10(rms / 32768));
}

function streamStats(t: TrackInfo, origin: number): CapturedStreamStats {
  const s = t.stats;
  const first = s?.firstArrivalMs ?? t.origin ?? null;
  const end = s?.endMs ?? (t.origin !== undefined ? t.origin + (t.extent * 1000) / t.sampleRate : null);
  return {
    channel: t.channel,
    label: t.label,
    codec: t.codec,
    payloadType: t.payloadType >= 0 ? t.payloadType : null,
    ssrcs: s?.ssrcs ?? [],
    packets: s?.received ?? 0,
    expected: s?.expected ?? 0,
    lost: s?.lost ?? 0,
    lossPercent: round(s?.lossPercent ?? 0, 3),
    duplicated: s?.duplicated ?? 0,
    outOfOrder: s?.outOfOrder ?? 0,
    late: s?.late ?? 0,
    jitterMs: round(s?.jitterMs ?? 0, 3),
    maxJitterMs: round(s?.maxJitterMs ?? 0, 3),
    rFactor: s?.rFactor ?? 0,
    mos: s?.mos ?? 0,
    startMs: first === null ? 0 : Math.max(0, Math.round(first - origin)),
    durationMs: first === null || end === null ? 0 : Math.max(0, Math.round(end - first)),
    levelDbfs: (() => {
      const level = levelOf(t.sumSquares, t.levelSamples);
      return level === null ? null : round(level, 1);
    })(),
    rtcp: s?.rtcp ?? null,
    audio: t.decodable ? 'decoded' : 'not-decodable',
    // Spools written before decrypted packets were counted lack that counter.
    srtp: s?.srtp ? { ...s.srtp, decrypted: s.srtp.decrypted ?? 0 } : null,
  };
}

function oneWay(tracks: TrackInfo[], noMedia: boolean): OneWayAudioFlag {
  if (noMedia) return { oneWay: false, silentChannel: null, reason: 'no-audio-either-side' };
  const side = (channel: number) => {
    const own = tracks.filter((t) => t.channel === channel);
    const packets = own.reduce((n, t) => n + (t.stats?.received ?? 0), 0);
    const sum = own.reduce((n, t) => n + t.sumSquares, 0);
    const count = own.reduce((n, t) => n + t.levelSamples, 0);
    const level = levelOf(sum, count);
    return { packets, ...(level === null ? {} : { levelDbfs: level }) };
  };
  const result = detectOneWayAudio(side(0), side(1));
  return {
    oneWay: result.oneWay,
    silentChannel: result.silentSide === 'a' ? 0 : result.silentSide === 'b' ? 1 : null,
    reason: result.reason ?? null,
  };
}

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

/** The codecs of a call's streams whose audio is not in its recording (each once, in stream order). */
export function undecodableCodecs(call: Pick<CapturedCall, 'streams'>): string[] {
  return [...new Set(call.streams.filter((s) => s.audio !== 'decoded').map((s) => s.codec))];
}

/** The assembled call of a spool directory, when assembly already ran (dates revived from their JSON form). */
export async function readAssembled(dir: string): Promise<CapturedCall | undefined> {
  let call: CapturedCall;
  try {
    call = JSON.parse(await readFile(path.join(dir, ASSEMBLED_FILE), 'utf8')) as CapturedCall;
  } catch {
    return undefined;
  }
  const m = call.metadata as Record<string, unknown>;
  for (const key of ['startedAt', 'endedAt']) {
    if (typeof m[key] === 'string') m[key] = new Date(m[key]);
  }
  return { ...call, filePath: path.join(dir, WAV_FILE) };
}

/** Removes a delivered call's spool. */
export async function removeSpool(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}
