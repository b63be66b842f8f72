import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { sql } from 'kysely';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArchiveService } from '../../../services/archive/archive.service.ts';
import { FfmpegAudioTool } from '../../../services/archive/audio.ffmpeg.ts';
import { CallRepository } from '../../../services/archive/call.repository.ts';
import { createApp } from '../../../services/api/app.ts';
import { CallsService } from '../../../services/api/calls/calls.service.ts';
import { EscuchaError, isEscuchaError } from '../../../services/platform/errors.ts';
import { silentLogger } from '../../../services/platform/logger.ts';
import { makeFixture } from '../../support/audio-fixtures.ts';
import { createTestApi, DEFAULT_PROFILE, type TestApi } from '../../support/api.ts';
import { binaryBody } from '../../support/http.ts';

const audio = new FfmpegAudioTool();

async function listObjects(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { recursive: true, withFileTypes: true });
    return entries.filter((e) => e.isFile() && !e.parentPath.includes('.incoming')).map((e) => e.name);
  } catch {
    return [];
  }
}

async function callCount(api: TestApi): Promise<number> {
  const r = await sql<{ n: string }>`select count(*) as n from calls`.execute(api.database.handle.db);
  return Number(r.rows[0]!.n);
}

describe('POST /api/v1/recordings', () => {
  let api: TestApi;
  let dir: string;

  beforeAll(async () => {
    api = await createTestApi({ uploadMaxBytes: 3 * 1024 * 1024 });
    dir = await mkdtemp('/tmp/escucha-upload-');
  });
  afterAll(async () => {
    await api.close();
    await rm(dir, { recursive: true, force: true });
  });

  const formats = [
    ['wav-pcm', 2, 16000],
    ['wav-ulaw', 1, 8000],
    ['wav-alaw', 2, 8000],
    ['ogg-opus', 2, 48000],
    ['ogg-vorbis', 1, 44100],
    ['mp3', 2, 44100],
    ['m4a', 2, 44100],
    ['flac', 2, 16000],
    ['3gp', 1, 8000],
    ['wma', 2, 44100],
  ] as const;

  for (const [kind, channels, sampleRate] of formats) {
    it(`archives a ${kind} recording with the same duration and channels`, async () => {
      const file = await makeFixture(dir, kind, { seconds: 4.2, channels, sampleRate });
      const source = await audio.probe(file);
      const res = await request(api.app)
        .post('/api/v1/recordings')
        .set('Authorization', `Bearer ${api.adminKey}`)
        .attach('file', file)
        .field('metadata', JSON.stringify({ agentId: `agent-${kind}`, startedAt: '2026-11-20T10:15:02Z' }));
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      const id = res.body.id as string;

      const detail = await request(api.app)
        .get(`/api/v1/calls/${id}`)
        .set('Authorization', `Bearer ${api.adminKey}`);
      expect(detail.status).toBe(200);
      const rec = detail.body.recordings[0];
      expect(rec.channels).toBe(source.channels);
      expect(rec.codec).toBe('opus');
      expect(rec.objectKey).toMatch(
        new RegExp(`^2026/11/20/${id}/20261120T101502Z_agent-${kind}_na_na\\.ogg$`),
      );

      const download = await request(api.app)
        .get(`/api/v1/calls/${id}/audio`)
        .set('Authorization', `Bearer ${api.adminKey}`)
        .buffer(true)
        .parse(binaryBody);
      expect(download.status).toBe(200);
      expect(download.headers['content-type']).toBe('audio/ogg');
      const bytes = download.body as Buffer;
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(rec.sha256);
      const stored = path.join(dir, `${kind}-stored.ogg`);
      await writeFile(stored, bytes);
      const back = await audio.probe(stored);
      expect(back.channels).toBe(source.channels);
      expect(Math.abs(back.durationMs - source.durationMs)).toBeLessThanOrEqual(50);
      expect(Math.abs(rec.durationMs - source.durationMs)).toBeLessThanOrEqual(50);
    });
  }

  it('returns the existing call for a repeated externalId and stores nothing new', async () => {
    const file = await makeFixture(dir, 'wav-pcm', { seconds: 1, channels: 2, sampleRate: 8000 });
    const send = () =>
      request(api.app)
        .post('/api/v1/recordings')
        .set('Authorization', `Bearer ${api.adminKey}`)
        .attach('file', file)
        .field('metadata', JSON.stringify({ externalId: 'dialer-777' }));
    const first = await send();
    expect(first.status).toBe(201);
    const objectsBefore = (await listObjects(api.storeDir)).length;
    const second = await send();
    expect(second.status).toBe(200);
    expect(second.body).toEqual({ id: first.body.id, created: false });
    expect((await listObjects(api.storeDir)).length).toBe(objectsBefore);
  });

  describe('bad input', () => {
    const bad = [
      ['empty', 422],
      ['random', 422],
      ['text', 422],
      ['png', 422],
      ['truncated-wav', 422],
      ['video-only', 422],
    ] as const;
    for (const [kind, status] of bad) {
      it(`rejects a ${kind} file with ${status} and stores nothing`, async () => {
        const calls = await callCount(api);
        const objects = await listObjects(api.storeDir);
        const file = await makeFixture(dir, kind, { seconds: 1, channels: 1, sampleRate: 8000 });
        const res = await request(api.app)
          .post('/api/v1/recordings')
          .set('Authorization', `Bearer ${api.adminKey}`)
          .attach('file', file);
        expect(res.status).toBe(status);
        expect(res.body.error.code).toMatch(/INVALID_AUDIO|EMPTY_UPLOAD/);
        expect(await callCount(api)).toBe(calls);
        expect(await listObjects(api.storeDir)).toEqual(objects);
        expect(await readdir(api.tmpDir)).toEqual([]);
      });
    }

    it('rejects an upload over the size limit with 413', async () => {
      const calls = await callCount(api);
      const file = path.join(dir, 'big.wav');
      await writeFile(file, Buffer.alloc(4 * 1024 * 1024, 1));
      const res = await request(api.app)
        .post('/api/v1/recordings')
        .set('Authorization', `Bearer ${api.adminKey}`)
        .attach('file', file);
      expect(res.status).toBe(413);
      expect(res.body.error.code).toBe('PAYLOAD_TOO_LARGE');
      expect(await callCount(api)).toBe(calls);
      expect(await readdir(api.tmpDir)).toEqual([]);
    });

    it('rejects metadata that is not JSON, or has wrong fields, with 400', async () => {
      const file = await makeFixture(dir, 'wav-pcm', { seconds: 1, channels: 1, sampleRate: 8000 });
      const calls = await callCount(api);
      for (const metadata of [
        '{not json',
        JSON.stringify({ direction: 'sideways' }),
        JSON.stringify({ callerNumber: 'call me' }),
        JSON.stringify({ startedAt: 'yesterday' }),
        JSON.stringify({ unknownField: 1 }),
        JSON.stringify({ daysPastDue: -3 }),
        JSON.stringify({ custom: { 'bad key': 1 } }),
        JSON.stringify({ agentName: 'Ana\u0000Gómez' }),
        JSON.stringify({ custom: { note: 'x\u0000' } }),
      ]) {
        const res = await request(api.app)
          .post('/api/v1/recordings')
          .set('Authorization', `Bearer ${api.adminKey}`)
          .attach('file', file)
          .field('metadata', metadata);
        expect(res.status, metadata).toBe(400);
        expect(res.body.error.code).toBe('INVALID_METADATA');
      }
      expect(await callCount(api)).toBe(calls);
    });

    it('answers 400 without a file, 415 for a non-multipart body, 401 without a valid key', async () => {
      const noFile = await request(api.app)
        .post('/api/v1/recordings')
        .set('Authorization', `Bearer ${api.adminKey}`)
        .field('metadata', '{}');
      expect(noFile.status).toBe(400);
      const json = await request(api.app)
        .post('/api/v1/recordings')
        .set('Authorization', `Bearer ${api.adminKey}`)
        .send({ file: 'x' });
      expect(json.status).toBe(415);
      const noKey = await request(api.app).get('/api/v1/calls');
      expect(noKey.status).toBe(401);
      expect(noKey.body.error.code).toBe('UNAUTHENTICATED');
      const wrongKey = await request(api.app)
        .get('/api/v1/calls')
        .set('Authorization', 'Bearer esk_00000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
      expect(wrongKey.status).toBe(401);
    });

    it('answers 404 for an unknown call', async () => {
      for (const id of ['3f1c2b8e-6a7d-4e0f-9b1a-2c3d4e5f6a7b', 'not-a-uuid']) {
        const res = await request(api.app)
          .get(`/api/v1/calls/${id}`)
          .set('Authorization', `Bearer ${api.adminKey}`);
        expect(res.status).toBe(404);
        expect(res.body.error.code).toBe('CALL_NOT_FOUND');
        const audioRes = await request(api.app)
          .get(`/api/v1/calls/${id}/audio`)
          .set('Authorization', `Bearer ${api.adminKey}`);
        expect(audioRes.status).toBe(404);
      }
    });

    it('reports the store refusing the write (507 DISK_FULL) even when the transcode stops first', async () => {
      // A store that stops reading after the first chunk and reports its error only later: the transcode then fails
      // first ("output closed"), and the cause the caller must see is still the store's.
      const refusing = {
        ...api.store,
        kind: api.store.kind,
        put: (_key: string, body: NodeJS.ReadableStream & { destroy(): void }) =>
          new Promise<never>((_resolve, reject) => {
            body.once('data', () => {
              body.destroy();
              setTimeout(
                () =>
                  reject(
                    new EscuchaError(
                      'DISK_FULL',
                      'the local object store is out of space; nothing was stored',
                    ),
                  ),
                300,
              );
            });
          }),
        delete: (key: string) => api.store.delete(key),
      } as unknown as typeof api.store;
      const archive = new ArchiveService({
        calls: new CallRepository(api.database.handle.db),
        store: refusing,
        audio,
        profile: DEFAULT_PROFILE,
        logger: silentLogger(),
        concurrency: 1,
      });
      const file = await makeFixture(dir, 'wav-pcm', { seconds: 2, channels: 2, sampleRate: 8000 });
      const calls = await callCount(api);
      const failure = await archive
        .ingest({ filePath: file, sizeBytes: 1, metadata: {}, source: 'upload' })
        .then(
          () => undefined,
          (error: unknown) => error,
        );
      expect(isEscuchaError(failure, 'DISK_FULL'), String(failure)).toBe(true);
      expect(await callCount(api)).toBe(calls);
    });

    it('leaves no object behind when the database write fails', async () => {
      const failing = new ArchiveService({
        calls: new CallRepository(api.database.handle.db),
        store: api.store,
        audio,
        profile: DEFAULT_PROFILE,
        logger: silentLogger(),
        concurrency: 1,
        onArchived: () =>
          Promise.reject(
            Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
          ),
      });
      const s = api.services;
      const failingCalls = new CallsService({
        archive: failing,
        queries: s.queries,
        store: s.store,
        integrity: s.people.integrity,
      });
      const app = createApp({
        ...s.api,
        calls: { ...s.api.calls, calls: failingCalls },
        uploadMaxBytes: 10 * 1024 * 1024,
      });
      const calls = await callCount(api);
      const objects = await listObjects(api.storeDir);
      const file = await makeFixture(dir, 'wav-pcm', { seconds: 1, channels: 2, sampleRate: 8000 });
      const res = await request(app)
        .post('/api/v1/recordings')
        .set('Authorization', `Bearer ${api.adminKey}`)
        .attach('file', file);
      expect(res.status).toBe(503);
      expect(res.body.error.code).toBe('DATABASE_UNAVAILABLE');
      expect(await callCount(api)).toBe(calls);
      expect(await listObjects(api.storeDir)).toEqual(objects);
    });
  });
});
