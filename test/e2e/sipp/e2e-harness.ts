import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { resolveFfmpegPaths } from '../../../services/archive/ffmpeg-path.ts';
import { ApiKeyRepository } from '../../../services/api/auth/api-key.repository.ts';
import { encodeG711 } from '../../../services/capture/rtp/g711.ts';
import { encodeTelephoneEvent } from '../../../services/capture/rtp/rfc4733.ts';
import { encodeRtp } from '../../../services/capture/rtp/rtp.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';
import { udpFrame, writePcap, type WrittenFrame } from '../../unit/capture/pcap-writer.ts';

/**
 * End-to-end capture tests: Escucha as users run it (`bin/escucha.js serve`, `capture`, `import-pcap`) on a fresh
 * database, driven by SIPp and observed with tshark. Missing tools fail the test with the install step.
 */

export const BIN = path.resolve('bin/escucha.js');
export const INSTALL_HINT = 'apt-get install sip-tester tshark';

export function requireTools(...tools: string[]): void {
  for (const tool of tools) {
    const found = spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' });
    if (found.status !== 0) throw new Error(`${tool} is not installed; install it with: ${INSTALL_HINT}`);
  }
}

export { freePort } from '../../support/ports.ts';

/**
 * An RTP port range of `size` ports unlikely to collide with other tests running beside, below the kernel's
 * ephemeral range so no outgoing UDP socket of another process holds one of them.
 */
export function rtpRange(size = 40): { min: number; max: number; text: string } {
  const min = 10000 + Math.floor(Math.random() * 250) * 40;
  return { min, max: min + size - 1, text: `${min}-${min + size - 1}` };
}

export interface Workspace {
  dir: string;
  database: TestDatabase;
  storageDir: string;
  adminKey: string;
  /** Environment shared by every Escucha process of the test (same database and object store). */
  env: NodeJS.ProcessEnv;
  close(): Promise<void>;
}

export async function createWorkspace(extra: Record<string, string> = {}): Promise<Workspace> {
  const dir = await mkdtemp('/tmp/escucha-e2e-');
  await chmod(dir, 0o755);
  const database = await createTestDatabase();
  const storageDir = path.join(dir, 'objects');
  const { key } = await new ApiKeyRepository(database.handle.db).create('admin', 'e2e');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: database.url,
    ESCUCHA_STORAGE_DIR: storageDir,
    ESCUCHA_PORT: '0',
    ESCUCHA_LOG_LEVEL: 'warn',
    ESCUCHA_WORKERS_IN_SERVE: 'false',
    ESCUCHA_HEP_PORT: '0',
    ...extra,
  };
  return {
    dir,
    database,
    storageDir,
    adminKey: key,
    env,
    close: async () => {
      await database.drop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface Running {
  proc: ChildProcess;
  url: string | undefined;
  output(): string;
  stop(): Promise<void>;
  kill9(): Promise<void>;
}

/** Starts `escucha <args>` and waits for its ready line (`listening on` for serve, `capture running`). */
export async function startEscucha(args: string[], env: NodeJS.ProcessEnv, ready: RegExp): Promise<Running> {
  const proc = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const url = await new Promise<string | undefined>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`escucha ${args[0]} did not start:\n${output}`)), 90_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (ready.test(output)) {
        clearTimeout(timer);
        resolve(/listening on (http:\/\/\S+)/.exec(output)?.[1]);
      }
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', onData);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`escucha ${args[0]} exited with ${code}:\n${output}`));
    });
  });
  proc.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  proc.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  return {
    proc,
    url,
    output: () => output,
    stop: async () => {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill('SIGTERM');
        await exited;
      }
    },
    kill9: async () => {
      proc.kill('SIGKILL');
      await exited;
    },
  };
}

export async function api<T>(url: string, key: string, pathname: string): Promise<T> {
  const res = await fetch(`${url}/api/v1${pathname}`, { headers: { Authorization: `Bearer ${key}` } });
  if (!res.ok) throw new Error(`GET ${pathname}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

export interface ApiCall {
  id: string;
  source: string;
  durationMs: number;
  sipCallId: string | null;
  agentId: string | null;
  campaign: string | null;
  disposition: string | null;
  direction: string | null;
  callerNumber: string | null;
  calleeNumber: string | null;
  custom: Record<string, unknown>;
  recordings: Array<{ channels: number; durationMs: number }>;
  participants: Array<{ role: string; channel: number | null; number: string | null }>;
  capture?: {
    recovered: boolean;
    truncated: boolean;
    streams: Array<{
      channel: number;
      label: string | null;
      codec: string;
      packets: number;
      lost: number;
      jitterMs: number;
      mos: number;
      startMs: number;
      durationMs: number;
    }>;
    dtmf: Array<{ channel: number; digit: string; startMs: number; durationMs: number; method: string }>;
    pauses: Array<{ startMs: number; endMs: number; reason: string }>;
  };
}

/** Polls the API until `count` calls match the query, then returns their details. */
export async function waitForCalls(
  url: string,
  key: string,
  query: string,
  count: number,
  timeoutMs = 60_000,
): Promise<ApiCall[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const page = await api<{ items: Array<{ id: string }> }>(url, key, `/calls?${query}`);
    if (page.items.length >= count) {
      return Promise.all(page.items.map((i) => api<ApiCall>(url, key, `/calls/${i.id}`)));
    }
    if (Date.now() > deadline)
      throw new Error(`expected ${count} calls for ${query}, found ${page.items.length}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** The stored audio of a call, decoded by ffmpeg to 16-bit stereo at `rate`. */
export async function storedAudio(
  url: string,
  key: string,
  id: string,
  dir: string,
  rate = 8000,
): Promise<[Int16Array, Int16Array]> {
  const res = await fetch(`${url}/api/v1/calls/${id}/audio`, { headers: { Authorization: `Bearer ${key}` } });
  if (!res.ok) throw new Error(`audio ${id}: ${res.status}`);
  const encoded = path.join(dir, `${id}.audio`);
  await writeFile(encoded, Buffer.from(await res.arrayBuffer()));
  const raw = path.join(dir, `${id}.raw`);
  const ff = spawnSync(resolveFfmpegPaths().ffmpeg, [
    '-v',
    'error',
    '-y',
    '-i',
    encoded,
    '-f',
    's16le',
    '-ac',
    '2',
    '-ar',
    String(rate),
    raw,
  ]);
  if (ff.status !== 0) throw new Error(`ffmpeg: ${ff.stderr.toString()}`);
  const data = await readFile(raw);
  const frames = Math.floor(data.length / 4);
  const left = new Int16Array(frames);
  const right = new Int16Array(frames);
  for (let i = 0; i < frames; i++) {
    left[i] = data.readInt16LE(i * 4);
    right[i] = data.readInt16LE(i * 4 + 2);
  }
  return [left, right];
}

export function rmsMs(samples: Int16Array, fromMs: number, toMs: number, rate = 8000): number {
  const a = Math.max(0, Math.round((fromMs * rate) / 1000));
  const b = Math.min(samples.length, Math.round((toMs * rate) / 1000));
  let sum = 0;
  for (let i = a; i < b; i++) sum += samples[i]! * samples[i]!;
  return b > a ? Math.sqrt(sum / (b - a)) : 0;
}

/** Runs sipp to completion; resolves with its exit code and output. */
export function runSipp(
  args: string[],
  cwd: string,
  timeoutMs = 60_000,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const proc = spawn('sipp', [...args, '-nostdin', '-trace_err'], {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    proc.stdout.on('data', (c: Buffer) => (output += c.toString().slice(-2000)));
    proc.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/** tshark writing a capture of loopback traffic matching `filter` until stopped. */
export async function startTshark(file: string, filter: string): Promise<{ stop(): Promise<void> }> {
  const proc = spawn('tshark', ['-i', 'lo', '-f', filter, '-w', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`tshark did not start: ${err}`)), 20_000);
    proc.stderr.on('data', (c: Buffer) => {
      err += c.toString();
      if (/Capturing on/i.test(err)) {
        clearTimeout(timer);
        resolve();
      }
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`tshark exited with ${code}: ${err}`));
    });
  });
  return {
    stop: async () => {
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGINT');
      await exited;
    },
  };
}

export function tone(ms: number, frequency: number, amplitude: number, second?: number): Int16Array {
  const out = new Int16Array((ms * 8000) / 1000);
  for (let i = 0; i < out.length; i++) {
    const t = i / 8000;
    const a = Math.sin(2 * Math.PI * frequency * t) + (second ? Math.sin(2 * Math.PI * second * t) : 0);
    out[i] = Math.round((amplitude * a) / (second ? 2 : 1));
  }
  return out;
}

export interface StreamPlan {
  samples: Int16Array;
  ssrc: number;
  /** Source and destination ports written in the capture (SIPp keeps their offsets from the lowest port). */
  srcPort: number;
  dstPort: number;
  dtmf?: { event: number; startMs: number; durationMs: number };
}

/**
 * A pcap of G.711 µ-law RTP streams at 20 ms (and RFC 4733 events beside the in-band tone), written with the test
 * pcap writer, for SIPp's play_pcap_audio.
 */
export async function writeRtpPcap(file: string, streams: StreamPlan[]): Promise<void> {
  const frames: Array<WrittenFrame & { order: number }> = [];
  const t0 = 1_800_000_000;
  let order = 0;
  for (const s of streams) {
    let seq = 100;
    const packets = Math.floor(s.samples.length / 160);
    for (let f = 0; f < packets; f++) {
      const atUs = f * 20_000;
      const add = (data: Buffer) =>
        frames.push({
          seconds: t0 + Math.floor(atUs / 1e6),
          fraction: atUs % 1e6,
          data: udpFrame('127.0.0.1', '127.0.0.1', s.srcPort, s.dstPort, data),
          order: order++,
        });
      add(
        encodeRtp({
          payloadType: 0,
          sequence: seq++,
          timestamp: f * 160,
          ssrc: s.ssrc,
          payload: encodeG711(s.samples.subarray(f * 160, (f + 1) * 160), 'PCMU'),
        }),
      );
      const d = s.dtmf;
      const atMs = f * 20;
      if (d && atMs >= d.startMs && atMs < d.startMs + d.durationMs) {
        const last = atMs + 20 >= d.startMs + d.durationMs;
        const payload = encodeTelephoneEvent({
          event: d.event,
          end: last,
          volume: 10,
          duration: (atMs - d.startMs + 20) * 8,
        });
        for (let i = 0; i < (last ? 3 : 1); i++) {
          add(
            encodeRtp({
              payloadType: 101,
              sequence: seq++,
              timestamp: d.startMs * 8,
              ssrc: s.ssrc,
              marker: atMs === d.startMs && i === 0,
              payload,
            }),
          );
        }
      }
    }
  }
  frames.sort((a, b) => a.seconds - b.seconds || a.fraction - b.fraction || a.order - b.order);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, writePcap(frames));
}
