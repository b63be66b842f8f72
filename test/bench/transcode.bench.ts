import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { FfmpegAudioTool } from '../../services/archive/audio.ffmpeg.ts';
import type { ArchiveProfile } from '../../services/archive/audio.types.ts';
import { resolveFfmpegPaths } from '../../services/archive/ffmpeg-path.ts';
import { median, round } from './stats.ts';

const exec = promisify(execFile);

/**
 * Transcode speed of the archive's ffmpeg arguments on what call centers send most: a 10-minute stereo 8 kHz
 * G.711 µ-law WAV and a 10-minute stereo 44.1 kHz MP3 (128 kbps), each alone and two at once (one ffmpeg per
 * core on a 2-core machine). The output is hashed as the object stores do. Figures are medians over `rounds`:
 * × real time (audio seconds per wall second, summed over parallel jobs) and bytes stored per call-hour.
 *
 * Run alone: `npx tsx test/bench/transcode.bench.ts [rounds] [complexity,...]`.
 */
export interface TranscodeFigure {
  input: 'g711-8k-stereo-wav' | 'mp3-44k-stereo';
  opusComplexity: number;
  parallel: 1 | 2;
  /** Audio seconds per wall second, all jobs together: what the machine delivered, other load included. */
  realtimeFactor: number;
  /**
   * Audio seconds per CPU second of ffmpeg (Linux: CPU time of reaped children): the speed of one core however
   * busy the machine is; two cores give about twice this.
   */
  realtimePerCpuSecond: number | null;
  wallSeconds: number;
  outputBytes: number;
  bytesPerCallHour: number;
}

export interface TranscodeBenchResult {
  ffmpeg: string;
  cores: number;
  /** 1-minute load average before and after: other work on the machine skews realtimeFactor. */
  loadAverage: { before: number; after: number };
  audioSeconds: number;
  profile: Omit<ArchiveProfile, 'opusComplexity'>;
  figures: TranscodeFigure[];
}

const SECONDS = 600;

/** A conversation-like stereo signal: each side talks (pink noise bursts) while the other mostly listens. */
async function makeCall(ffmpeg: string, file: string, rate: number, codec: string[]): Promise<void> {
  const side = (seed: number, phase: number) =>
    `anoisesrc=c=pink:r=${rate}:a=0.25:d=${SECONDS}:seed=${seed},` +
    `volume='if(lt(mod(t+${phase},9),4.5),1,0.03)':eval=frame`;
  const graph = `${side(1, 0)}[l];${side(2, 4.5)}[r];[l][r]join=inputs=2:channel_layout=stereo[a]`;
  await exec(ffmpeg, ['-v', 'error', '-y', '-filter_complex', graph, '-map', '[a]', ...codec, file]);
}

/** CPU seconds (user + system) of this process's reaped children, from /proc/self/stat; null elsewhere. */
function childCpuSeconds(): number | null {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 16 and 17 of stat(5) (cutime, cstime), counted from the state field (3) here.
    return (Number(fields[13]) + Number(fields[14])) / 100;
  } catch {
    return null;
  }
}

async function transcodeOnce(
  tool: FfmpegAudioTool,
  file: string,
  profile: ArchiveProfile,
): Promise<{ bytes: number; seconds: number }> {
  const t0 = performance.now();
  const job = tool.transcode(file, profile, 2);
  const hash = createHash('sha256');
  let bytes = 0;
  job.output.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
    hash.update(chunk);
  });
  await Promise.all([
    new Promise((resolve, reject) => job.output.on('end', resolve).on('error', reject)),
    job.done,
  ]);
  hash.digest();
  return { bytes, seconds: (performance.now() - t0) / 1000 };
}

export async function run(
  options: { rounds?: number; complexities?: number[] } = {},
): Promise<TranscodeBenchResult> {
  const rounds = options.rounds ?? 3;
  const complexities = options.complexities ?? [5, 3, 0];
  const paths = resolveFfmpegPaths();
  const tool = new FfmpegAudioTool({ paths });
  const base = { format: 'opus', bitrateKbps: 16, sampleRate: 16000 } as const;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'escucha-bench-transcode-'));
  const loadBefore = os.loadavg()[0]!;
  try {
    const inputs = {
      'g711-8k-stereo-wav': path.join(dir, 'call-g711.wav'),
      'mp3-44k-stereo': path.join(dir, 'call-44k.mp3'),
    } as const;
    await makeCall(paths.ffmpeg, inputs['g711-8k-stereo-wav'], 8000, ['-c:a', 'pcm_mulaw']);
    await makeCall(paths.ffmpeg, inputs['mp3-44k-stereo'], 44100, ['-c:a', 'libmp3lame', '-b:a', '128k']);
    // Warm-up: the binaries' resolution and the page cache.
    await transcodeOnce(tool, inputs['g711-8k-stereo-wav'], { ...base, opusComplexity: 0 });

    const figures: TranscodeFigure[] = [];
    for (const opusComplexity of complexities) {
      const profile: ArchiveProfile = { ...base, opusComplexity };
      for (const [input, file] of Object.entries(inputs) as [TranscodeFigure['input'], string][]) {
        for (const parallel of [1, 2] as const) {
          const walls: number[] = [];
          const sizes: number[] = [];
          const cpu: number[] = [];
          for (let r = 0; r < rounds; r++) {
            const cpu0 = childCpuSeconds();
            const t0 = performance.now();
            const jobs = await Promise.all(
              Array.from({ length: parallel }, () => transcodeOnce(tool, file, profile)),
            );
            walls.push((performance.now() - t0) / 1000);
            const cpu1 = childCpuSeconds();
            if (cpu0 !== null && cpu1 !== null && cpu1 > cpu0) cpu.push((SECONDS * parallel) / (cpu1 - cpu0));
            sizes.push(...jobs.map((j) => j.bytes));
          }
          const wall = median(walls);
          const bytes = median(sizes);
          figures.push({
            input,
            opusComplexity,
            parallel,
            realtimeFactor: round((SECONDS * parallel) / wall),
            realtimePerCpuSecond: cpu.length === rounds ? round(median(cpu)) : null,
            wallSeconds: round(wall, 2),
            outputBytes: bytes,
            bytesPerCallHour: Math.round((bytes * 3600) / SECONDS),
          });
        }
      }
    }
    return {
      ffmpeg: `${paths.ffmpeg} (${paths.source})`,
      cores: os.availableParallelism(),
      loadAverage: { before: round(loadBefore, 2), after: round(os.loadavg()[0]!, 2) },
      audioSeconds: SECONDS,
      profile: base,
      figures,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const rounds = process.argv[2] ? Number(process.argv[2]) : undefined;
  const complexities = process.argv[3]?.split(',').map(Number);
  const result = await run({ ...(rounds ? { rounds } : {}), ...(complexities ? { complexities } : {}) });
  console.log(JSON.stringify({ ...result, figures: undefined }, null, 2));
  console.table(result.figures);
}
