import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Party } from '../../models/database.ts';

/**
 * The real recordings in test/fixtures/speech (see its README for sources and licences), decoded with ffmpeg, and
 * stereo calls built from them.
 */
const run = promisify(execFile);

export const SPEECH_DIR = fileURLToPath(new URL('../fixtures/speech/', import.meta.url));

export interface SpeechClip {
  name: string;
  language: 'es' | 'en';
  file: string;
  reference: string;
  /** FLEURS read speech, or conversational material. */
  kind: 'fleurs' | 'earnings22' | 'voxpopuli';
}

/** Every clip with its reference transcript, FLEURS first, in name order. */
export async function speechClips(filter: { language?: 'es' | 'en'; kind?: SpeechClip['kind'] } = {}) {
  const files = (await readdir(SPEECH_DIR)).filter((f) => f.endsWith('.ogg')).sort();
  const clips: SpeechClip[] = [];
  for (const f of files) {
    const name = f.replace(/\.ogg$/, '');
    const kind: SpeechClip['kind'] = name.startsWith('fleurs')
      ? 'fleurs'
      : name.startsWith('earnings22')
        ? 'earnings22'
        : 'voxpopuli';
    const language = name.startsWith('fleurs-es') ? 'es' : 'en';
    if (filter.language && filter.language !== language) continue;
    if (filter.kind && filter.kind !== kind) continue;
    const reference = (await readFile(path.join(SPEECH_DIR, `${name}.txt`), 'utf8')).trim();
    clips.push({ name, language, file: path.join(SPEECH_DIR, f), reference, kind });
  }
  return clips;
}

/**
 * 16 kHz mono float samples of a clip; `telephone` first passes it through what a phone call does to it: band-pass
 * 300–3400 Hz, 8 kHz G.711 µ-law, and back to 16 kHz.
 */
export async function decodeClip(
  file: string,
  options: { telephone?: boolean; archiveKbps?: number; ffmpeg?: string } = {},
) {
  const ffmpeg = options.ffmpeg ?? 'ffmpeg';
  const args = ['-hide_banner', '-loglevel', 'error', '-i', file, '-ac', '1'];
  if (options.telephone) {
    const { stdout } = await run(
      ffmpeg,
      [
        ...args,
        '-af',
        'highpass=f=300,lowpass=f=3400',
        '-ar',
        '8000',
        '-c:a',
        'pcm_mulaw',
        '-f',
        'mulaw',
        'pipe:1',
      ],
      { encoding: 'buffer', maxBuffer: 256 * 1024 * 1024 },
    );
    const pcm = toFloat(
      await pipeThrough(ffmpeg, stdout, ['-f', 'mulaw', '-ar', '8000', '-ac', '1', '-i', 'pipe:0']),
    );
    // A call reaches the archive at a line's level.
    return options.archiveKbps ? archived(ffmpeg, normalizeLevel(pcm), options.archiveKbps) : pcm;
  }
  const { stdout } = await run(ffmpeg, [...args, '-ar', '16000', '-f', 'f32le', 'pipe:1'], {
    encoding: 'buffer',
    maxBuffer: 256 * 1024 * 1024,
  });
  return toFloat(stdout);
}

/**
 * What the archive keeps of one channel: Opus at `kbps` (the default profile's 32 kbps is 16 per party), 16 kHz,
 * with the archive's encoder settings, decoded again.
 */
async function archived(ffmpeg: string, samples: Float32Array, kbps: number): Promise<Float32Array> {
  const pcm = Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength);
  const { spawn } = await import('node:child_process');
  const opus = await new Promise<Buffer>((resolve, reject) => {
    const child = spawn(ffmpeg, [
      ...['-hide_banner', '-loglevel', 'error', '-f', 'f32le', '-ar', '16000', '-ac', '1', '-i', 'pipe:0'],
      ...['-c:a', 'libopus', '-b:a', `${kbps}k`, '-compression_level', '3', '-vbr', 'on'],
      ...['-application', 'voip', '-frame_duration', '60', '-f', 'ogg', 'pipe:1'],
    ]);
    const chunks: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => chunks.push(d));
    child.once('error', reject);
    child.once('close', (code) =>
      code === 0 ? resolve(Buffer.concat(chunks)) : reject(new Error(`ffmpeg exit ${code}`)),
    );
    child.stdin.end(pcm);
  });
  return toFloat(await pipeThrough(ffmpeg, opus, ['-f', 'ogg', '-i', 'pipe:0']));
}

async function pipeThrough(ffmpeg: string, input: Buffer, inputArgs: string[]): Promise<Buffer> {
  const { spawn } = await import('node:child_process');
  return new Promise((resolve, reject) => {
    const child = spawn(ffmpeg, [
      '-hide_banner',
      '-loglevel',
      'error',
      ...inputArgs,
      '-ar',
      '16000',
      '-ac',
      '1',
      '-f',
      'f32le',
      'pipe:1',
    ]);
    const chunks: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => chunks.push(d));
    child.once('error', reject);
    child.once('close', (code) =>
      code === 0 ? resolve(Buffer.concat(chunks)) : reject(new Error(`ffmpeg exit ${code}`)),
    );
    child.stdin.end(input);
  });
}

/** Scales speech to an RMS of `dbfs` (phone lines keep speech near −20 dBFS; some recordings are 40 dB quieter). */
export function normalizeLevel(samples: Float32Array, dbfs = -20): Float32Array {
  let sum = 0;
  for (const x of samples) sum += x * x;
  const rms = Math.sqrt(sum / Math.max(1, samples.length));
  if (rms === 0) return samples;
  const gain = 10 ** (dbfs / 20) / rms;
  const out = new Float32Array(samples.length);
  for (let i = 0; i < samples.length; i++) out[i] = Math.max(-1, Math.min(1, samples[i]! * gain));
  return out;
}

function toFloat(buf: Buffer): Float32Array {
  const out = new Float32Array(Math.floor(buf.length / 4));
  new Uint8Array(out.buffer).set(buf.subarray(0, out.length * 4));
  return out;
}

export interface CallTurn {
  party: Party;
  clip: SpeechClip;
  /** Call time the turn starts at, ms. */
  startMs: number;
  endMs: number;
}

export interface StereoCall {
  /** One array per channel (0 agent, 1 customer), 16 kHz. */
  channels: [Float32Array, Float32Array];
  turns: CallTurn[];
  durationMs: number;
}

/**
 * A conversation of real clips: turns alternate between the agent (left) and the customer (right) with `pauseMs`
 * between them, the other channel silent meanwhile (low noise, as a phone line). Each clip is brought to a phone
 * line's speech level first.
 */
export async function buildStereoCall(
  turns: { party: Party; clip: SpeechClip }[],
  options: { pauseMs?: number; leadMs?: number; telephone?: boolean; noiseLevel?: number } = {},
): Promise<StereoCall> {
  const pause = options.pauseMs ?? 700;
  const lead = options.leadMs ?? 500;
  const decoded = await Promise.all(
    turns.map(async (t) =>
      normalizeLevel(await decodeClip(t.clip.file, { telephone: options.telephone ?? false })),
    ),
  );
  const total =
    decoded.reduce((n, d) => n + d.length, 0) + Math.round(((lead + pause * turns.length) * 16000) / 1000);
  const channels: [Float32Array, Float32Array] = [new Float32Array(total), new Float32Array(total)];
  // A faint noise floor on both channels, about −66 dBFS (a digital zero is not what a line carries).
  let seed = 12345;
  const noise = options.noiseLevel ?? 0.0008;
  for (const ch of channels) {
    for (let i = 0; i < ch.length; i++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      ch[i] = ((seed / 4294967296) * 2 - 1) * noise;
    }
  }
  let at = Math.round((lead * 16000) / 1000);
  const placed: CallTurn[] = [];
  turns.forEach((t, i) => {
    const d = decoded[i]!;
    const ch = channels[t.party === 'agent' ? 0 : 1];
    for (let k = 0; k < d.length; k++) ch[at + k]! += d[k]!;
    placed.push({ ...t, startMs: (at * 1000) / 16000, endMs: ((at + d.length) * 1000) / 16000 });
    at += d.length + Math.round((pause * 16000) / 1000);
  });
  return { channels, turns: placed, durationMs: (total * 1000) / 16000 };
}

/** A 16-bit stereo WAV of a call. */
export function stereoWav(call: StereoCall): Buffer {
  const [l, r] = call.channels;
  const n = l.length;
  const data = Buffer.alloc(n * 4);
  for (let i = 0; i < n; i++) {
    data.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(l[i]! * 32767))), i * 4);
    data.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(r[i]! * 32767))), i * 4 + 2);
  }
  const header = Buffer.alloc(44);
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVE', 8);
  header.write('fmt ', 12);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(2, 22);
  header.writeUInt32LE(16000, 24);
  header.writeUInt32LE(16000 * 4, 28);
  header.writeUInt16LE(4, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36);
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}
