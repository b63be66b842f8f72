import { execFile, type ChildProcess } from 'node:child_process';
import { mkdir, readFile, rm, symlink } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveFfmpegPaths } from '../../../services/archive/ffmpeg-path.ts';
import { DEMO_DATA_DIR, loadDemoManifest } from '../../../services/cli/demo.command.ts';
import type { ReferenceTranscript } from '../../../services/cli/call-script.ts';
import { BIN, serveEnv, startServe } from '../../support/serve.ts';

const exec = promisify(execFile);

interface Served {
  dir: string;
  env: NodeJS.ProcessEnv;
  url: string;
  server: ChildProcess;
  key: string;
  get<T>(p: string): Promise<T>;
  stop(): Promise<void>;
}

/** `escucha serve` on a fresh data dir in /tmp (readable by the embedded PostgreSQL's user), and an admin key. */
async function serve(extraEnv: Record<string, string> = {}): Promise<Served> {
  const { dir, env } = await serveEnv('escucha-demo-', { ESCUCHA_JOB_POLLING_SECONDS: '1', ...extraEnv });
  const serve = await startServe(env);
  const server = serve.child;
  const url = serve.url;
  const { stdout } = await exec(process.execPath, [BIN, 'keys', 'create', '--role', 'admin'], { env });
  const key = stdout.trim().split('\n').pop()!;
  return {
    dir,
    env,
    url,
    server,
    key,
    async get<T>(p: string): Promise<T> {
      const res = await fetch(`${url}${p}`, { headers: { Authorization: `Bearer ${key}` } });
      if (res.status !== 200) throw new Error(`GET ${p}: ${res.status} ${await res.text()}`);
      return (await res.json()) as T;
    },
    async stop() {
      if (server.exitCode === null) {
        const exited = new Promise((r) => server.once('exit', r));
        server.kill('SIGTERM');
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

interface CallItem {
  id: string;
  externalId: string;
  agentId: string;
  disposition: string;
  currency: string;
  language: string | null;
  source: string;
  durationMs: number;
}
interface TranscriptView {
  source: string;
  model: string | null;
  language: string;
  segments: { party: string; channel: number; startMs: number; endMs: number; text: string }[];
}

const references = async () => {
  const manifest = await loadDemoManifest();
  const out = new Map<string, ReferenceTranscript>();
  for (const { id } of manifest.calls) {
    out.set(
      `escucha-demo-${id}`,
      JSON.parse(
        await readFile(path.join(DEMO_DATA_DIR, `${id}.transcript.json`), 'utf8'),
      ) as ReferenceTranscript,
    );
  }
  return out;
};

describe('escucha demo', () => {
  let s: Served;
  beforeAll(async () => {
    s = await serve();
  });
  afterAll(async () => {
    await s?.stop();
  });

  it('creates the demo users, archives the demo calls once, and a second run adds none', async () => {
    // No espeak-ng on the PATH: the demo ships its audio rendered; only ffmpeg/ffprobe are there.
    const tools = path.join(s.dir, 'tools');
    await mkdir(tools);
    const { ffmpeg, ffprobe } = resolveFfmpegPaths();
    await symlink(ffmpeg, path.join(tools, 'ffmpeg'));
    await symlink(ffprobe, path.join(tools, 'ffprobe'));
    const first = await exec(process.execPath, [BIN, 'demo', '--no-transcribe', '--no-collections'], {
      env: { ...s.env, PATH: tools },
    });
    expect(first.stdout).toMatch(/demo-admin/);
    expect(first.stdout).toMatch(
      /demo calls: with the reference transcripts of their scripts \(--no-transcribe\)/,
    );
    expect(first.stdout).toMatch(/demo calls: 10 archived, 0 already there/);
    expect(
      first.stdout.match(
        /^demo call [a-z-]+: archived as [0-9a-f-]{36} \(transcript: uploaded reference\)$/gm,
      ),
    ).toHaveLength(10);
    const second = await exec(process.execPath, [BIN, 'demo', '--no-calls'], { env: s.env });
    expect(second.stdout).not.toMatch(/demo call/);
    const third = await exec(process.execPath, [BIN, 'demo', '--no-collections'], { env: s.env });
    expect(third.stdout).toMatch(/demo calls: 0 archived, 10 already there/);
  }, 180_000);

  it('lists the demo calls through the API with their metadata and reference transcripts', async () => {
    const refs = await references();
    const { items } = await s.get<{ items: CallItem[] }>('/api/v1/calls?limit=50');
    expect(items.map((i) => i.externalId).sort()).toEqual([...refs.keys()].sort());
    const sarah = items.find((i) => i.externalId === 'escucha-demo-us-fdcpa-sarah')!;
    expect(sarah).toMatchObject({
      agentId: 'A0501',
      disposition: 'PTP',
      currency: 'USD',
      language: 'en',
      source: 'upload',
    });
    for (const item of items) {
      const ref = refs.get(item.externalId)!;
      expect(Math.abs(item.durationMs - ref.durationMs)).toBeLessThan(100);
      const t = await s.get<TranscriptView>(`/api/v1/calls/${item.id}/transcript`);
      expect(t.source).toBe('upload');
      expect(t.language).toBe(ref.language);
      expect(t.segments.map((x) => [x.party, x.channel, x.startMs, x.endMs, x.text])).toEqual(
        ref.segments.map((x) => [x.party, x.channel, x.startMs, x.endMs, x.text]),
      );
    }
    // Transcript search finds the recording disclosure in every Spanish call but the one without it.
    const disclosed = await s.get<{ items: CallItem[] }>('/api/v1/calls?q=grabada&party=agent&limit=50');
    const ids = disclosed.items.map((i) => i.externalId);
    expect(ids).toHaveLength(7);
    expect(ids).not.toContain('escucha-demo-mx-no-disclosure-miguel');
    const dispositions = await s.get<{ items: CallItem[] }>(
      '/api/v1/calls?disposition=NO_ANSWER,THIRD_PARTY',
    );
    expect(dispositions.items).toHaveLength(2);
  });

  it('loads a month of collections work once: the ledger, the follow-up queue and the dashboards filled', async () => {
    const first = await exec(process.execPath, [BIN, 'demo'], { env: s.env });
    expect(first.stdout).toMatch(
      /^demo collections: 1500 calls \(1500 analysed\), \d+ promises to pay and \d+ payments; ledger computed for \d+ accounts$/m,
    );
    const again = await exec(process.execPath, [BIN, 'demo'], { env: s.env });
    expect(again.stdout).toMatch(/^demo collections: already there$/m);
    const queue = await s.get<{ items: { status: string }[] }>('/api/v1/promises/follow-up');
    expect(queue.items.some((p) => p.status === 'broken' || p.status === 'partial')).toBe(true);
    const metrics = await s.get<{ items: { calls: number; kept: number }[] }>(
      '/api/v1/portfolio/metrics?by=all&period=month',
    );
    expect(metrics.items.reduce((n, r) => n + r.calls, 0)).toBeGreaterThanOrEqual(1500);
    expect(metrics.items.reduce((n, r) => n + r.kept, 0)).toBeGreaterThan(0);
  }, 180_000);
});

describe('escucha demo with ESCUCHA_ASR_MODEL=fixture', () => {
  let s: Served;
  beforeAll(async () => {
    s = await serve({ ESCUCHA_ASR_MODEL: 'fixture' });
  });
  afterAll(async () => {
    await s?.stop();
  });

  it('archives the calls without transcripts and the pipeline transcribes them with the fixture model', async () => {
    const { stdout } = await exec(process.execPath, [BIN, 'demo', '--wait', '--no-collections'], {
      env: s.env,
      timeout: 600_000,
    });
    expect(stdout).toMatch(/demo calls: 10 archived/);
    expect(stdout.match(/^transcribed [0-9a-f-]{36}: done with fixture \(test-only\)$/gm)).toHaveLength(10);

    const refs = await references();
    const words = (text: string) =>
      text
        .toLowerCase()
        .replace(/[^a-záéíóúüñ' ]+/g, ' ')
        .split(/\s+/)
        .filter(Boolean);
    const { items } = await s.get<{ items: CallItem[] }>('/api/v1/calls?limit=50');
    let errors = 0;
    let total = 0;
    for (const item of items) {
      const t = await s.get<TranscriptView>(`/api/v1/calls/${item.id}/transcript`);
      expect(t.source).toBe('asr');
      expect(t.model).toBe('fixture (test-only)');
      const ref = refs.get(item.externalId)!;
      for (const party of ['agent', 'customer']) {
        const r = words(
          ref.segments
            .filter((x) => x.party === party)
            .map((x) => x.text)
            .join(' '),
        );
        const h = words(
          t.segments
            .filter((x) => x.party === party)
            .map((x) => x.text)
            .join(' '),
        );
        // Word-level edit distance.
        const d = Array.from({ length: r.length + 1 }, (_, i) => [i, ...Array<number>(h.length).fill(0)]);
        for (let j = 1; j <= h.length; j++) d[0]![j] = j;
        for (let i = 1; i <= r.length; i++)
          for (let j = 1; j <= h.length; j++)
            d[i]![j] = Math.min(
              d[i - 1]![j]! + 1,
              d[i]![j - 1]! + 1,
              d[i - 1]![j - 1]! + (r[i - 1] === h[j - 1] ? 0 : 1),
            );
        errors += d[r.length]![h.length]!;
        total += r.length;
      }
      if (item.externalId === 'escucha-demo-co-ptp-carolina') {
        const agent = t.segments
          .filter((x) => x.party === 'agent')
          .map((x) => x.text)
          .join(' ');
        expect(agent).toMatch(/esta llamada está siendo grabada y monitoreada por calidad/);
      }
    }
    expect(errors / total).toBeLessThan(0.1);
  }, 300_000);
});

describe('escucha demo with the default speech model installed', () => {
  let s: Served;
  beforeAll(async () => {
    // No workers in this serve: the calls wait for the pipeline untranscribed (the real model is not run here).
    s = await serve({ ESCUCHA_WORKERS_IN_SERVE: 'false' });
  });
  afterAll(async () => {
    await s?.stop();
  });

  it('archives the calls without their reference transcripts, for the default model to transcribe', async () => {
    const shipped = (await loadDemoManifest()).calls.length;
    const { stdout } = await exec(process.execPath, [BIN, 'demo', '--no-collections'], { env: s.env });
    expect(stdout).toMatch(new RegExp(`demo calls: ${shipped} archived`));
    expect(
      stdout.match(/^demo call [a-z-]+: archived as [0-9a-f-]{36} \(transcript: pipeline\)$/gm),
    ).toHaveLength(shipped);
    // What it does and how long it takes.
    expect(stdout).toMatch(
      new RegExp(
        `the pipeline transcribes them with whisper-base \\(${shipped} calls, \\d+ min \\d+ s of audio, about \\d+ min on 2 cores\\); --no-transcribe`,
      ),
    );
    expect(stdout).toMatch(/the workers of escucha serve transcribe them once it runs/);
    const { items } = await s.get<{ items: CallItem[] }>('/api/v1/calls?limit=50');
    expect(items).toHaveLength(shipped);
    const res = await fetch(`${s.url}/api/v1/calls/${items[0]!.id}/transcript`, {
      headers: { Authorization: `Bearer ${s.key}` },
    });
    expect(res.status).toBe(404);
  }, 180_000);
});
