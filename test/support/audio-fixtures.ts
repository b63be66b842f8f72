import { execFile } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { resolveFfmpegPaths, type FfmpegPaths } from '../../services/archive/ffmpeg-path.ts';
import { isEscuchaError } from '../../services/platform/errors.ts';

/**
 * Audio fixtures made with ffmpeg at test time from synthetic signals (a different sine tone per channel, so a
 * swapped or mixed channel shows), written into the test's temp folder. Nothing large is committed.
 */
const run = promisify(execFile);

export const GOOD_KINDS = [
  'wav-pcm',
  'wav-ulaw',
  'wav-alaw',
  'ogg-opus',
  'ogg-vorbis',
  'mp3',
  'm4a',
  'flac',
  '3gp',
  'wma',
  /** Opus in WebM written to a pipe, as browser recorders produce it: the container states no duration. */
  'webm-opus',
] as const;

export const BAD_KINDS = [
  'empty',
  'random',
  'text',
  'png',
  'jpeg',
  'truncated-wav',
  'video-only',
  /** A valid WAV header followed by no samples. */
  'zero-length-wav',
] as const;

export type GoodKind = (typeof GOOD_KINDS)[number];
export type BadKind = (typeof BAD_KINDS)[number];
export type FixtureKind = GoodKind | BadKind;

export interface FixtureOptions {
  seconds: number;
  channels: number;
  sampleRate: number;
}

/** What probe() should report for a fixture (some codecs impose their own rate or channel count). */
export interface FixtureExpectation {
  codec: string;
  channels: number;
  sampleRate: number;
  formatName: string;
}

const OPUS_RATES = [8000, 12000, 16000, 24000, 48000];
const LAYOUTS: Record<number, string> = { 1: 'mono', 2: 'stereo', 3: '3.0', 4: 'quad', 5: '5.0', 6: '5.1' };

/** The ffmpeg binary for fixtures, or a failure that names the install step. */
export function fixtureFfmpeg(): FfmpegPaths {
  try {
    return resolveFfmpegPaths();
  } catch (error) {
    if (isEscuchaError(error, 'TOOL_MISSING')) {
      throw new Error(
        `audio tests need ffmpeg and ffprobe: run \`apt-get install ffmpeg\` (${error.message})`,
      );
    }
    throw error;
  }
}

let amrEncoder: Promise<string | null> | undefined;

/**
 * An ffmpeg that can encode AMR-NB: Debian's ffmpeg cannot (no libopencore-amrnb encoder), the static build of
 * @ffmpeg-installer/ffmpeg can. Every ffmpeg decodes AMR-NB natively, so only the fixture needs it.
 */
export function amrNbEncoder(): Promise<string | null> {
  amrEncoder ??= (async () => {
    const candidates = [fixtureFfmpeg().ffmpeg];
    try {
      const bundled = resolveFfmpegPaths({
        systemNames: { ffmpeg: '/nonexistent/ffmpeg', ffprobe: '/nonexistent/ffprobe' },
      });
      candidates.push(bundled.ffmpeg);
    } catch {
      // no bundled build on this platform
    }
    for (const ffmpeg of candidates) {
      const { stdout } = await run(ffmpeg, ['-hide_banner', '-encoders'], { maxBuffer: 8 << 20 }).catch(
        () => ({
          stdout: '',
        }),
      );
      if (/\blibopencore_amrnb\b/.test(stdout)) return ffmpeg;
    }
    return null;
  })();
  return amrEncoder;
}

/** What a good fixture holds once made. The 3GP fixture is AMR-NB (8 kHz mono) when an encoder exists, else AAC. */
export async function expectedAudio(kind: GoodKind, options: FixtureOptions): Promise<FixtureExpectation> {
  const { channels, sampleRate } = options;
  const mp4 = 'mov,mp4,m4a,3gp,3g2,mj2';
  switch (kind) {
    case 'wav-pcm':
      return { codec: 'pcm_s16le', channels, sampleRate, formatName: 'wav' };
    case 'wav-ulaw':
      return { codec: 'pcm_mulaw', channels, sampleRate, formatName: 'wav' };
    case 'wav-alaw':
      return { codec: 'pcm_alaw', channels, sampleRate, formatName: 'wav' };
    case 'ogg-opus':
      return { codec: 'opus', channels, sampleRate: 48000, formatName: 'ogg' };
    case 'webm-opus':
      return { codec: 'opus', channels, sampleRate: 48000, formatName: 'matroska,webm' };
    case 'ogg-vorbis':
      return { codec: 'vorbis', channels, sampleRate, formatName: 'ogg' };
    case 'mp3':
      return { codec: 'mp3', channels, sampleRate, formatName: 'mp3' };
    case 'm4a':
      return { codec: 'aac', channels, sampleRate, formatName: mp4 };
    case 'flac':
      return { codec: 'flac', channels, sampleRate, formatName: 'flac' };
    case '3gp':
      return (await amrNbEncoder())
        ? { codec: 'amr_nb', channels: 1, sampleRate: 8000, formatName: mp4 }
        : { codec: 'aac', channels, sampleRate, formatName: mp4 };
    case 'wma':
      return { codec: 'wmav2', channels, sampleRate, formatName: 'asf' };
  }
}

/** A lavfi graph of one sine per channel (440, 660, 880 Hz, ...) at `rate`, as output label [a]. */
export function toneGraph(seconds: number, channels: number, rate: number): string {
  const layout = LAYOUTS[channels];
  if (!layout) throw new Error(`no fixture layout for ${channels} channels`);
  const tone = (i: number) => `sine=f=${440 + 220 * i}:r=${rate}:d=${seconds}`;
  if (channels === 1) return `${tone(0)},aformat=channel_layouts=mono[a]`;
  const inputs = Array.from({ length: channels }, (_, i) => `${tone(i)}[c${i}]`).join(';');
  const labels = Array.from({ length: channels }, (_, i) => `[c${i}]`).join('');
  return `${inputs};${labels}join=inputs=${channels}:channel_layout=${layout}[a]`;
}

async function ffmpegTo(file: string, args: string[], binary = fixtureFfmpeg().ffmpeg): Promise<string> {
  await run(binary, ['-hide_banner', '-nostdin', '-loglevel', 'error', '-y', ...args, file], {
    maxBuffer: 8 << 20,
  });
  return file;
}

/** Deterministic bytes (xorshift32) so the "random" fixture is the same on every run. */
function pseudoRandomBytes(length: number, seed: number): Buffer {
  const out = Buffer.alloc(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

/**
 * Writes a fixture of `kind` into `dir` and returns its path. Good kinds hold `seconds` of tones on `channels`
 * channels at `sampleRate` (Opus stores 8/12/16/24/48 kHz, another rate is written at 48 kHz; AMR-NB is always
 * 8 kHz mono); bad kinds ignore the options.
 */
export async function makeFixture(dir: string, kind: FixtureKind, options: FixtureOptions): Promise<string> {
  const { seconds, channels, sampleRate } = options;
  const base = path.join(dir, `${kind}-${channels}ch-${sampleRate}-${seconds}s`);
  const graph = (rate: number) => ['-filter_complex', toneGraph(seconds, channels, rate), '-map', '[a]'];
  const opusRate = OPUS_RATES.includes(sampleRate) ? sampleRate : 48000;
  switch (kind) {
    case 'wav-pcm':
      return ffmpegTo(`${base}.wav`, [...graph(sampleRate), '-c:a', 'pcm_s16le']);
    case 'wav-ulaw':
      return ffmpegTo(`${base}.wav`, [...graph(sampleRate), '-c:a', 'pcm_mulaw']);
    case 'wav-alaw':
      return ffmpegTo(`${base}.wav`, [...graph(sampleRate), '-c:a', 'pcm_alaw']);
    case 'ogg-opus':
      return ffmpegTo(`${base}.opus.ogg`, [
        ...graph(opusRate),
        '-c:a',
        'libopus',
        '-b:a',
        '48k',
        '-f',
        'ogg',
      ]);
    case 'webm-opus': {
      // Written to a pipe like a browser recorder: no Duration element, no cues.
      const file = `${base}.webm`;
      const { ffmpeg } = fixtureFfmpeg();
      const args = ['-hide_banner', '-nostdin', '-loglevel', 'error', ...graph(opusRate), '-c:a', 'libopus'];
      const { stdout } = await run(ffmpeg, [...args, '-b:a', '48k', '-f', 'webm', 'pipe:1'], {
        encoding: 'buffer',
        maxBuffer: 64 << 20,
      });
      await writeFile(file, stdout);
      return file;
    }
    case 'ogg-vorbis':
      return ffmpegTo(`${base}.vorbis.ogg`, [
        ...graph(sampleRate),
        '-c:a',
        'libvorbis',
        '-q:a',
        '3',
        '-f',
        'ogg',
      ]);
    case 'mp3':
      return ffmpegTo(`${base}.mp3`, [...graph(sampleRate), '-c:a', 'libmp3lame', '-b:a', '64k']);
    case 'm4a':
      return ffmpegTo(`${base}.m4a`, [...graph(sampleRate), '-c:a', 'aac', '-b:a', '64k']);
    case 'flac':
      return ffmpegTo(`${base}.flac`, [...graph(sampleRate), '-c:a', 'flac']);
    case '3gp': {
      const amr = await amrNbEncoder();
      if (amr) {
        const mono = ['-filter_complex', toneGraph(seconds, 1, 8000), '-map', '[a]'];
        return ffmpegTo(
          `${base}.3gp`,
          [...mono, '-c:a', 'libopencore_amrnb', '-b:a', '12.2k', '-f', '3gp'],
          amr,
        );
      }
      return ffmpegTo(`${base}.3gp`, [...graph(sampleRate), '-c:a', 'aac', '-b:a', '24k', '-f', '3gp']);
    }
    case 'wma':
      return ffmpegTo(`${base}.wma`, [...graph(sampleRate), '-c:a', 'wmav2', '-b:a', '64k', '-f', 'asf']);
    case 'empty': {
      const file = `${base}.wav`;
      await writeFile(file, Buffer.alloc(0));
      return file;
    }
    case 'random': {
      // An .mp3 name gives the MP3 probe its extension bonus: the harder case.
      const file = `${base}.mp3`;
      await writeFile(file, pseudoRandomBytes(64 * 1024, 0x5eed));
      return file;
    }
    case 'text': {
      const file = `${base}.wav`;
      await writeFile(file, 'Buenos días, le llamamos de la agencia de cobranza.\n'.repeat(200));
      return file;
    }
    case 'png':
      return ffmpegTo(`${base}.png`, [
        '-f',
        'lavfi',
        '-i',
        'testsrc=s=64x48:d=1',
        '-frames:v',
        '1',
        '-c:v',
        'png',
      ]);
    case 'jpeg':
      return ffmpegTo(`${base}.jpg`, [
        '-f',
        'lavfi',
        '-i',
        'testsrc=s=64x48:d=1',
        '-frames:v',
        '1',
        '-c:v',
        'mjpeg',
      ]);
    case 'truncated-wav': {
      // The first 30 bytes of a valid WAV: the header stops inside the fmt chunk.
      const whole = await ffmpegTo(`${base}.whole.wav`, [...graph(sampleRate), '-c:a', 'pcm_s16le']);
      const file = `${base}.wav`;
      await writeFile(file, (await readFile(whole)).subarray(0, 30));
      return file;
    }
    case 'video-only':
      return ffmpegTo(`${base}.mp4`, [
        '-f',
        'lavfi',
        '-i',
        `testsrc=s=160x120:r=10:d=${Math.max(1, seconds)}`,
        '-c:v',
        'mpeg4',
        '-an',
      ]);
    case 'zero-length-wav':
      return ffmpegTo(`${base}.wav`, [
        '-f',
        'lavfi',
        '-i',
        `anullsrc=r=${sampleRate}:cl=mono`,
        '-t',
        '0',
        '-c:a',
        'pcm_s16le',
      ]);
  }
}

/**
 * A long recording (default 2 hours, mono 8 kHz G.711 µ-law WAV, 57.6 MB) written by ffmpeg straight to disk,
 * so the test process never holds it. Pink noise with a talk/listen pattern keeps the encoder honestly busy.
 */
export async function makeLongFixture(
  dir: string,
  options: { seconds?: number; channels?: 1 | 2; sampleRate?: number } = {},
): Promise<string> {
  const seconds = options.seconds ?? 7200;
  const channels = options.channels ?? 1;
  const rate = options.sampleRate ?? 8000;
  const side = (seed: number, phase: number) =>
    `anoisesrc=c=pink:r=${rate}:a=0.25:d=${seconds}:seed=${seed},` +
    `volume='if(lt(mod(t+${phase},9),4.5),1,0.03)':eval=frame`;
  const graph =
    channels === 1
      ? `${side(1, 0)}[a]`
      : `${side(1, 0)}[l];${side(2, 4.5)}[r];[l][r]join=inputs=2:channel_layout=stereo[a]`;
  const file = path.join(dir, `long-${channels}ch-${rate}-${seconds}s.wav`);
  return ffmpegTo(file, ['-filter_complex', graph, '-map', '[a]', '-c:a', 'pcm_mulaw']);
}

/** A stereo WAV with a 440 Hz tone on one side and digital silence on the other. */
export async function makeOneSidedTone(
  dir: string,
  options: { seconds: number; sampleRate: number; toneOn: 'left' | 'right' },
): Promise<string> {
  const { seconds, sampleRate, toneOn } = options;
  const tone = `sine=f=440:r=${sampleRate}:d=${seconds},volume=4`;
  const silence = `anullsrc=r=${sampleRate}:cl=mono:d=${seconds}`;
  const [left, right] = toneOn === 'left' ? [tone, silence] : [silence, tone];
  const graph = `${left}[l];${right}[r];[l][r]join=inputs=2:channel_layout=stereo[a]`;
  const file = path.join(dir, `tone-${toneOn}-${sampleRate}.wav`);
  return ffmpegTo(file, [
    '-filter_complex',
    graph,
    '-map',
    '[a]',
    '-t',
    String(seconds),
    '-c:a',
    'pcm_s16le',
  ]);
}

/** RMS level in dBFS of each decoded channel (ffmpeg astats); digital silence reads about -inf. */
export async function channelRmsDb(file: string): Promise<number[]> {
  const { ffmpeg } = fixtureFfmpeg();
  const args = ['-hide_banner', '-nostdin', '-loglevel', 'info', '-i', file];
  const { stderr } = await run(ffmpeg, [...args, '-af', 'astats=measure_overall=none', '-f', 'null', '-'], {
    maxBuffer: 8 << 20,
  });
  return [...stderr.matchAll(/RMS level dB: (-?inf|-?\d+(?:\.\d+)?)/g)].map((m) =>
    m[1]!.endsWith('inf') ? Number.NEGATIVE_INFINITY : Number(m[1]),
  );
}

export interface OpusHead {
  channels: number;
  preSkip: number;
  inputSampleRate: number;
  mappingFamily: number;
  /** Opus streams and how many of them are coupled (stereo); present for mapping family ≠ 0. */
  streams?: { count: number; coupled: number };
}

/** The OpusHead packet (RFC 7845 §5.1) of an Ogg/Opus file. */
export async function readOpusHead(file: string): Promise<OpusHead> {
  const bytes = (await readFile(file)).subarray(0, 4096);
  const at = bytes.indexOf('OpusHead');
  if (at < 0) throw new Error(`${file} has no OpusHead`);
  const head: OpusHead = {
    channels: bytes.readUInt8(at + 9),
    preSkip: bytes.readUInt16LE(at + 10),
    inputSampleRate: bytes.readUInt32LE(at + 12),
    mappingFamily: bytes.readUInt8(at + 18),
  };
  if (head.mappingFamily !== 0)
    head.streams = { count: bytes.readUInt8(at + 19), coupled: bytes.readUInt8(at + 20) };
  return head;
}

/** Direct children of this process whose command name is `name`, with their state (Z = zombie). Linux only. */
export async function childProcesses(name: string): Promise<{ pid: number; state: string }[]> {
  const found: { pid: number; state: string }[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    const close = stat.lastIndexOf(')');
    if (close < 0) continue;
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    const [state, ppid] = stat.slice(close + 2).split(' ');
    if (comm === name && Number(ppid) === process.pid)
      found.push({ pid: Number(entry), state: state ?? '?' });
  }
  return found;
}
