import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3ObjectStore } from '../../../services/archive/s3.store.ts';
import { loadConfig } from '../../../services/platform/config.ts';
import { makeFixture } from '../../support/audio-fixtures.ts';
import { createTestApi, type TestApi } from '../../support/api.ts';
import { binaryBody } from '../../support/http.ts';
import { startS3Server, type S3TestServer } from '../../support/s3-server.ts';

/** The archive end to end on an S3-protocol server: upload, find, play back with ranges. */
describe('archive on S3 storage', () => {
  let s3: S3TestServer;
  let api: TestApi;
  let dir: string;

  beforeAll(async () => {
    s3 = await startS3Server();
    const config = loadConfig({
      env: {
        ESCUCHA_STORAGE: 's3',
        ESCUCHA_S3_ENDPOINT: s3.endpoint,
        ESCUCHA_S3_BUCKET: s3.bucket,
        ESCUCHA_S3_ACCESS_KEY_ID: s3.accessKeyId,
        ESCUCHA_S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
        ESCUCHA_S3_FORCE_PATH_STYLE: 'true',
        ESCUCHA_S3_PART_SIZE_MB: '5',
      },
    });
    api = await createTestApi({ store: new S3ObjectStore(config.s3) });
    dir = await mkdtemp('/tmp/escucha-s3-api-');
  });
  afterAll(async () => {
    await api?.close();
    await s3?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('archives an upload into the bucket under its readable key and serves it with ranges', async () => {
    const file = await makeFixture(dir, 'flac', { seconds: 3, channels: 2, sampleRate: 16000 });
    const res = await request(api.app)
      .post('/api/v1/recordings')
      .set('Authorization', `Bearer ${api.adminKey}`)
      .attach('file', file)
      .field(
        'metadata',
        JSON.stringify({
          agentId: 'A0042',
          calleeNumber: '+573001234567',
          direction: 'outbound',
          disposition: 'PTP',
          startedAt: '2026-11-23T10:15:02Z',
        }),
      );
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const id = res.body.id as string;
    const detail = await request(api.app)
      .get(`/api/v1/calls/${id}`)
      .set('Authorization', `Bearer ${api.adminKey}`);
    const rec = detail.body.recordings[0];
    expect(rec.storage).toBe('s3');
    expect(rec.objectKey).toBe(`2026/11/23/${id}/20261123T101502Z_A0042_+573001234567_PTP.ogg`);
    const head = await api.store.head(rec.objectKey);
    expect(head).toMatchObject({ sizeBytes: rec.sizeBytes, contentType: 'audio/ogg' });
    expect(s3.requests.filter((r) => r.method === 'PUT').length).toBeGreaterThan(0);

    const whole = await request(api.app)
      .get(`/api/v1/calls/${id}/audio`)
      .set('Authorization', `Bearer ${api.adminKey}`)
      .buffer(true)
      .parse(binaryBody);
    expect(whole.status).toBe(200);
    expect(
      createHash('sha256')
        .update(whole.body as Buffer)
        .digest('hex'),
    ).toBe(rec.sha256);
    const part = await request(api.app)
      .get(`/api/v1/calls/${id}/audio`)
      .set('Authorization', `Bearer ${api.adminKey}`)
      .set('Range', 'bytes=100-1099')
      .buffer(true)
      .parse(binaryBody);
    expect(part.status).toBe(206);
    expect((part.body as Buffer).equals((whole.body as Buffer).subarray(100, 1100))).toBe(true);

    const found = await request(api.app)
      .get('/api/v1/calls')
      .query({ number: '3001234', disposition: 'PTP' })
      .set('Authorization', `Bearer ${api.adminKey}`);
    expect(found.body.items.map((i: { id: string }) => i.id)).toEqual([id]);
  });

  it('answers 503 while the object store is down, stores nothing half, and works again once it is back', async () => {
    const file = await makeFixture(dir, 'wav-pcm', { seconds: 2, channels: 1, sampleRate: 8000 });
    const upload = () =>
      request(api.app)
        .post('/api/v1/recordings')
        .set('Authorization', `Bearer ${api.adminKey}`)
        .attach('file', file);
    const before = await upload();
    expect(before.status).toBe(201);
    const calls = async () =>
      Number(
        (
          await api.database.handle.db
            .selectFrom('calls')
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const count = await calls();
    await s3.suspend();
    try {
      const down = await upload();
      expect(down.status, JSON.stringify(down.body)).toBe(503);
      expect(down.body.error.code).toBe('STORAGE_UNAVAILABLE');
      const health = await request(api.app).get('/api/v1/health');
      expect(health.status).toBe(503);
      expect(health.body.checks.storage).not.toBe('ok');
      const play = await request(api.app)
        .get(`/api/v1/calls/${before.body.id}/audio`)
        .set('Authorization', `Bearer ${api.adminKey}`);
      expect(play.status).toBe(503);
      expect(await calls()).toBe(count);
    } finally {
      await s3.resume();
    }
    const after = await upload();
    expect(after.status).toBe(201);
    expect((await request(api.app).get('/api/v1/health')).status).toBe(200);
    const play = await request(api.app)
      .get(`/api/v1/calls/${after.body.id}/audio`)
      .set('Authorization', `Bearer ${api.adminKey}`)
      .buffer(true)
      .parse(binaryBody);
    expect(play.status).toBe(200);
  });
});
