import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp, open, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FsObjectStore } from '../../../services/archive/fs.store.ts';
import { createLogger } from '../../../services/platform/logger.ts';
import { makeFixture } from '../../support/audio-fixtures.ts';
import { createTestApi, type TestApi } from '../../support/api.ts';
import {
  answerPorts,
  multipart,
  readWav,
  request as sipRequest,
  rms,
  rtpPackets,
  sdpOffer,
  sendRtp,
  SipClient,
  siprecMetadata,
  startHarness,
  status,
  tone,
  type Harness,
} from '../capture/capture-harness.ts';

const exec = promisify(execFile);

/**
 * Why this machine does not let the test mount small file systems, or undefined when it does (root with mount rights:
 * CI's machines do).
 */
function cannotMount(): string | undefined {
  if (os.userInfo().uid !== 0) return 'not running as root';
  const probe = mkdtempSync('/tmp/escucha-mount-probe-');
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe], { stdio: 'pipe' });
    execFileSync('umount', [probe], { stdio: 'ignore' });
    return undefined;
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
    return `mount -t tmpfs failed${stderr ? `: ${stderr}` : ''}`;
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
}

const noMount = cannotMount();
/** Skipped where the test cannot mount, with the reason in its name; on CI that is a failure, never a skip. */
const whenMountable = (name: string) => `${name}${noMount ? ` (skipped: ${noMount})` : ''}`;
if (noMount && process.env.CI && process.env.CI !== 'false') {
  describe('a full disk', () => {
    it('can be simulated on CI (small tmpfs mounts)', () => {
      throw new Error(`the disk-full tests cannot mount file systems here (${noMount}); run them as root`);
    });
  });
} else if (noMount) {
  console.warn(`disk-full tests skipped: cannot mount small file systems here (${noMount})`);
}

/**
 * A full disk under the temp folder and under the local object store (small tmpfs mounts, so it runs where the test
 * may mount file systems, as on CI's machines): uploads answer 507 DISK_FULL, nothing half-stored is left, and uploads
 * work again once there is room.
 */
describe.skipIf(noMount !== undefined)(whenMountable('a full disk'), () => {
  let root: string;
  let api: TestApi;
  let file: string;

  beforeAll(async () => {
    root = await mkdtemp('/tmp/escucha-disk-full-');
    await mkdir(path.join(root, 'objects'));
    await exec('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', path.join(root, 'objects')]);
    api = await createTestApi({ store: new FsObjectStore({ root: path.join(root, 'objects') }) });
    file = await makeFixture(root, 'wav-pcm', { seconds: 30, channels: 2, sampleRate: 16000 }); // ~1.9 MB
  });
  afterAll(async () => {
    await exec('umount', [api.tmpDir]).catch(() => undefined);
    await api?.close();
    await exec('umount', [path.join(root, 'objects')]).catch(() => undefined);
    await rm(root, { recursive: true, force: true });
  });

  it('answers 507 when the object store is full, leaves nothing half-stored, and works once there is room', async () => {
    // Fill the store but for a few kilobytes.
    await writeFile(path.join(root, 'objects', 'ballast'), Buffer.alloc(1024 * 1024 - 16 * 1024)).catch(
      () => undefined,
    );
    const full = await request(api.app)
      .post('/api/v1/recordings')
      .set('Authorization', `Bearer ${api.adminKey}`)
      .attach('file', file);
    expect(full.status, JSON.stringify(full.body)).toBe(507);
    expect(full.body.error.code).toBe('DISK_FULL');
    expect(await readdir(path.join(root, 'objects', '.incoming')).catch(() => [])).toEqual([]);
    const calls = await api.database.handle.db
      .selectFrom('calls')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(calls.n)).toBe(0);

    await rm(path.join(root, 'objects', 'ballast'));
    const ok = await request(api.app)
      .post('/api/v1/recordings')
      .set('Authorization', `Bearer ${api.adminKey}`)
      .attach('file', file);
    expect(ok.status, JSON.stringify(ok.body)).toBe(201);
  });

  it('answers 507 when the temp folder fills during an upload, and leaves no partial upload behind', async () => {
    await mkdir(api.tmpDir, { recursive: true });
    await exec('mount', ['-t', 'tmpfs', '-o', 'size=512k', 'tmpfs', api.tmpDir]);
    try {
      // The server answers as soon as the disk refuses the upload, before the client has sent it all: read the
      // answer the way a client that keeps reading while it writes does.
      const server = api.app.listen(0, '127.0.0.1');
      await new Promise((r) => server.once('listening', r));
      try {
        const { port } = server.address() as { port: number };
        const form = new FormData();
        form.append('file', new Blob([await readFile(file)]), 'call.wav');
        const body = new Request('http://x', { method: 'POST', body: form });
        const payload = Buffer.from(await body.arrayBuffer());
        const answer = await new Promise<{ status: number; text: string }>((resolve, reject) => {
          const req = httpRequest(
            {
              host: '127.0.0.1',
              port,
              method: 'POST',
              path: '/api/v1/recordings',
              headers: {
                Authorization: `Bearer ${api.adminKey}`,
                'Content-Type': body.headers.get('content-type')!,
                'Content-Length': String(payload.length),
              },
            },
            (res) => {
              let text = '';
              res.on('data', (c: Buffer) => (text += c.toString()));
              res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
            },
          );
          req.on('error', (error: NodeJS.ErrnoException) => {
            if (error.code !== 'EPIPE' && error.code !== 'ECONNRESET') reject(error);
          });
          req.end(payload);
        });
        expect(answer.status, answer.text).toBe(507);
        const error = (JSON.parse(answer.text) as { error: { code: string; message: string } }).error;
        expect(error.code).toBe('DISK_FULL');
        expect(error.message).not.toContain(root);
      } finally {
        server.close();
      }
      expect(await readdir(api.tmpDir)).toEqual([]);
    } finally {
      await exec('umount', [api.tmpDir]);
    }
  });
});

/**
 * A full disk under the capture spool during live SIPREC capture: the capture keeps running and says the spool's disk
 * is full (log and health), a call it could not spool whole is delivered marked as cut short rather than passed off as
 * whole, a call offered meanwhile is refused with 503, and once there is room capture goes on and later calls are
 * archived whole.
 */
describe.skipIf(noMount !== undefined)(whenMountable('a full capture spool'), () => {
  let root: string;
  let spool: string;
  let h: Harness;
  let client: SipClient;
  const logs: string[] = [];

  beforeAll(async () => {
    root = await mkdtemp('/tmp/escucha-spool-full-');
    spool = path.join(root, 'spool');
    await mkdir(spool);
    await exec('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', spool]);
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logs.push(chunk.toString());
        done();
      },
    });
    h = await startHarness({ spoolDir: spool, logger: createLogger({ level: 'info', destination }) });
    client = await SipClient.udp();
  });
  afterAll(async () => {
    client?.close();
    await h?.close();
    await exec('umount', [spool]).catch(() => undefined);
    await rm(root, { recursive: true, force: true });
  });

  /** Fills the spool's file system to the last byte. */
  async function fill(): Promise<void> {
    const handle = await open(path.join(spool, 'ballast'), 'a');
    try {
      for (;;) await handle.write(Buffer.alloc(4096, 7));
    } catch (error) {
      expect((error as NodeJS.ErrnoException).code).toBe('ENOSPC');
    } finally {
      await handle.close();
    }
  }

  async function invite(callId: string): Promise<{ ports: number[]; toTag: string | undefined } | number> {
    const { contentType, body } = multipart(
      sdpOffer([32000, 32002], { labels: ['1', '2'] }),
      siprecMetadata({
        callerAor: 'sip:+573001234567@carrier',
        calleeAor: 'sip:4711@pbx',
        labels: ['1', '2'],
      }),
    );
    const base = { callId, port: h.sipPort, clientPort: client.port };
    client.send(
      sipRequest({ ...base, method: 'INVITE', cseq: 1, contentType, body, headers: ['Require: siprec'] }),
      h.sipPort,
    );
    const final = await client.waitFor((r) => r.headers.get('Call-ID') === callId && r.status >= 200);
    if (final.status !== 200) return final.status;
    const toTag = /tag=([^;\s]+)/.exec(final.headers.get('To') ?? '')?.[1];
    client.send(sipRequest({ ...base, method: 'ACK', cseq: 1, toTag }), h.sipPort);
    return { ports: answerPorts(final.body.toString()), toTag };
  }

  async function bye(callId: string, toTag: string | undefined): Promise<void> {
    client.send(
      sipRequest({ callId, port: h.sipPort, clientPort: client.port, method: 'BYE', cseq: 2, toTag }),
      h.sipPort,
    );
    await client.waitFor((r) => r.headers.get('Call-ID') === callId && status(200, 'BYE')(r));
  }

  const send = (ports: number[], seconds: number) =>
    Promise.all([
      sendRtp(rtpPackets({ samples: tone(seconds, 440), ssrc: 1 }), ports[0]!),
      sendRtp(rtpPackets({ samples: tone(seconds, 660, 6000), ssrc: 2 }), ports[1]!),
    ]);

  it('keeps capturing, reports the full disk and the call it cut short, and archives later calls whole', async () => {
    // A call whose spool fills up halfway through.
    const first = await invite('full-1');
    if (typeof first === 'number') throw new Error(`INVITE answered ${first}`);
    const media = send(first.ports, 3);
    await new Promise((r) => setTimeout(r, 1000));
    await fill();
    await media;
    await bye('full-1', first.toTag);

    expect(h.service.health().spool).toMatch(/disk.*full/i);
    expect(h.service.health().spool).toContain(spool);
    expect(logs.join('')).toMatch(/"code":"DISK_FULL"/);

    // A call offered while the spool cannot take it is refused (the peer keeps it or tries elsewhere).
    expect(await invite('full-2')).toBe(503);

    // Room again: the cut-short call is delivered, marked as such, and capture goes on.
    await rm(path.join(spool, 'ballast'));
    const cut = await h.sink.waitForCall('full-1', 20_000);
    expect(cut.truncated).toBe(true);
    expect(cut.recovered).toBe(false); // capture never stopped
    expect(cut.metadata.custom).toMatchObject({ truncated: true });
    expect(cut.notes.join(' ')).toMatch(/incomplete: the end of the call was not spooled .*disk.*full/i);
    expect(cut.notes.join(' ')).not.toMatch(/capture process stopped/);

    const third = await invite('full-3');
    if (typeof third === 'number') throw new Error(`INVITE answered ${third} after the disk had room again`);
    await send(third.ports, 1.5);
    await bye('full-3', third.toTag);
    const whole = await h.sink.waitForCall('full-3');
    expect(whole.recovered).toBe(false);
    expect(whole.truncated).toBe(false);
    expect(whole.metadata.custom?.truncated).toBeUndefined();
    expect(whole.notes.join(' ')).not.toMatch(/spool|disk|recovered|incomplete/i);
    expect(Math.abs(whole.durationMs - 1500)).toBeLessThan(100);
    const wav = await readWav(whole.filePath);
    const [left, right] = wav.samples as [Int16Array, Int16Array];
    expect(rms(left, 0, left.length)).toBeGreaterThan(2000);
    expect(rms(right, 0, right.length)).toBeGreaterThan(3000);
    expect(h.service.health().spool).toBe('ok');
  });

  it('marks a call whose spool was full for part of it, and keeps what was spooled before and after readable', async () => {
    const call = await invite('full-4');
    if (typeof call === 'number') throw new Error(`INVITE answered ${call}`);
    const media = send(call.ports, 3);
    await new Promise((r) => setTimeout(r, 800));
    await fill();
    await new Promise((r) => setTimeout(r, 800));
    expect(h.service.health().spool).toMatch(/disk.*full/i);
    await rm(path.join(spool, 'ballast'));
    await media;
    await bye('full-4', call.toTag);

    const cut = await h.sink.waitForCall('full-4');
    expect(cut.truncated).toBe(true);
    expect(cut.recovered).toBe(false);
    expect(cut.notes.join(' ')).toMatch(/bytes of the call could not be spooled: .*disk.*full/i);
    // Audio from before the disk filled and from after it had room again, on the call's own timeline.
    const wav = await readWav(cut.filePath);
    const [left] = wav.samples as [Int16Array, Int16Array];
    const ms = (t: number) => Math.round((t * wav.sampleRate) / 1000);
    expect(Math.abs(cut.durationMs - 3000)).toBeLessThan(150);
    expect(rms(left, ms(100), ms(600))).toBeGreaterThan(2000);
    expect(rms(left, ms(2400), ms(2900))).toBeGreaterThan(2000);
    await waitFor(() => h.service.health().spool === 'ok');
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}
