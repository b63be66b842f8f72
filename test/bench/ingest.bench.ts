import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { ArchiveService } from '../../services/archive/archive.service.ts';
import { FfmpegAudioTool } from '../../services/archive/audio.ffmpeg.ts';
import { CallRepository } from '../../services/archive/call.repository.ts';
import { resolveFfmpegPaths } from '../../services/archive/ffmpeg-path.ts';
import { FsObjectStore } from '../../services/archive/fs.store.ts';
import { loadConfig } from '../../services/platform/config.ts';
import { migrateToLatest, openDatabase } from '../../services/platform/database.ts';
import { silentLogger } from '../../services/platform/logger.ts';
import { median, round } from './stats.ts';

const run$ = promisify(execFile);

/**
 * Ingest throughput with the default archive profile: 10-minute stereo G.711 µ-law WAVs (what TDM gateways and
 * older recorders export) through the real ArchiveService — ffprobe, ffmpeg/libopus transcode streamed into the
 * local object store with sha256, and the database transaction — one transcode per core.
 */
export interface IngestBenchResult {
  cores: number;
  callsPerRound: number;
  realtimeFactor: number;
  callsPerHour: number;
  bytesPerCallHour: number;
  peakRssMb: { short: number; long: number };
}

/** A conversation-like stereo signal: each side talks (pink noise bursts) while the other mostly listens. */
async function makeCall(file: string, seconds: number): Promise<void> {
  const { ffmpeg } = resolveFfmpegPaths();
  const side = (phase: number) =>
    `anoisesrc=c=pink:r=8000:a=0.25:d=${seconds},volume='if(lt(mod(t+${phase},9),4.5),1,0.03)':eval=frame`;
  await run$(ffmpeg, [
    '-v',
    'error',
    '-y',
    '-filter_complex',
    `${side(0)}[l];${side(4.5)}[r];[l][r]join=inputs=2:channel_layout=stereo[a]`,
    '-map',
    '[a]',
    '-c:a',
    'pcm_mulaw',
    '-ar',
    '8000',
    file,
  ]);
}

function sampleRss(): { stop(): number } {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  return {
    stop: () => {
      clearInterval(timer);
      return Math.max(peak, process.memoryUsage().rss);
    },
  };
}

export async function run(options: { rounds?: number } = {}): Promise<IngestBenchResult> {
  const rounds = options.rounds ?? 3;
  const cores = 2;
  const callsPerRound = 8;
  const dir = await mkdtemp('/tmp/escucha-bench-ingest-');
  await chmod(dir, 0o755);
  const config = loadConfig({ env: {}, overrides: { dataDir: dir } });
  const logger = silentLogger();
  const database = await openDatabase(config, logger, { as: 'owner' }); // it migrates by itself
  try {
    await migrateToLatest(database.db, logger);
    await mkdir(path.join(dir, 'in'), { recursive: true });
    const tenMinutes = path.join(dir, 'in', 'call-10min.wav');
    const twoHours = path.join(dir, 'in', 'call-2h.wav');
    await makeCall(tenMinutes, 600);
    await makeCall(twoHours, 7200);
    const store = new FsObjectStore({ root: config.storageDir });
    const archive = new ArchiveService({
      calls: new CallRepository(database.db),
      store,
      audio: new FfmpegAudioTool(),
      profile: config.archive,
      logger,
      concurrency: cores,
    });
    const size = (await stat(tenMinutes)).size;
    const factors: number[] = [];
    const perHour: number[] = [];
    const bytes: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const t0 = performance.now();
      const results = await Promise.all(
        Array.from({ length: callsPerRound }, () =>
          archive.ingest({ filePath: tenMinutes, sizeBytes: size, metadata: {}, source: 'upload' }),
        ),
      );
      const wallS = (performance.now() - t0) / 1000;
      const audioS = results.reduce((s, x) => s + x.durationMs / 1000, 0);
      factors.push(audioS / wallS);
      perHour.push((callsPerRound / wallS) * 3600);
      for (const x of results) {
        const object = await stat(path.join(config.storageDir, x.objectKey!));
        bytes.push((object.size / (x.durationMs / 1000)) * 3600);
      }
    }
    // Peak memory of the Escucha process for a 10-minute and a 2-hour file: streaming keeps it flat.
    const m1 = sampleRss();
    await archive.ingest({ filePath: tenMinutes, sizeBytes: size, metadata: {}, source: 'upload' });
    const short = m1.stop();
    const m2 = sampleRss();
    await archive.ingest({
      filePath: twoHours,
      sizeBytes: (await stat(twoHours)).size,
      metadata: {},
      source: 'upload',
    });
    const long = m2.stop();
    await store.close();
    return {
      cores,
      callsPerRound,
      realtimeFactor: round(median(factors)),
      callsPerHour: Math.round(median(perHour)),
      bytesPerCallHour: Math.round(median(bytes)),
      peakRssMb: { short: round(short / 2 ** 20), long: round(long / 2 ** 20) },
    };
  } finally {
    await database.close();
    await rm(dir, { recursive: true, force: true });
  }
}
