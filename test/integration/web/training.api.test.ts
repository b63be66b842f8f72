import request from 'supertest';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveFfmpegPaths } from '../../../services/archive/ffmpeg-path.ts';
import { binaryBody } from '../../support/http.ts';
import {
  addUser,
  createAccountsTestApi,
  login,
  uploadCall,
  type AccountsTestApi,
  type Session,
} from './web-support.ts';

const exec = promisify(execFile);

async function probe(file: string): Promise<{ duration: number; channels: number; codec: string }> {
  const { stdout } = await exec(resolveFfmpegPaths().ffprobe, [
    '-v',
    'error',
    '-show_entries',
    'format=duration:stream=channels,codec_name',
    '-of',
    'json',
    file,
  ]);
  const j = JSON.parse(stdout) as {
    format: { duration: string };
    streams: { channels: number; codec_name: string }[];
  };
  return {
    duration: Number(j.format.duration),
    channels: j.streams[0]!.channels,
    codec: j.streams[0]!.codec_name,
  };
}

async function meanVolumeDb(file: string): Promise<number> {
  const { stderr } = await exec(resolveFfmpegPaths().ffmpeg, [
    '-hide_banner',
    '-i',
    file,
    '-af',
    'volumedetect',
    '-f',
    'null',
    '-',
  ]);
  return Number(/mean_volume: (-?[\d.]+) dB/.exec(stderr)?.[1] ?? 'NaN');
}

describe('training library', () => {
  let api: AccountsTestApi;
  let trainer: Session;
  let callId: string;
  let dir: string;

  beforeAll(async () => {
    api = await createAccountsTestApi();
    dir = await mkdtemp('/tmp/escucha-clips-');
    trainer = await login(api.app, await addUser(api, 'trainer'));
    callId = await uploadCall(api, { agentId: 'A5', campaign: 'training' }, { seconds: 6 });
  });
  afterAll(async () => {
    await api.close();
    await rm(dir, { recursive: true, force: true });
  });

  const post = (url: string, body: object) =>
    trainer.agent.post(url).set('X-CSRF-Token', trainer.csrf).send(body);

  it('creates a collection, a clip of a call in it, and lists both', async () => {
    const collection = await post('/api/v1/collections', {
      name: 'Buenas aperturas',
      description: 'Saludo y aviso',
    });
    expect(collection.status).toBe(201);
    const clip = await post('/api/v1/clips', {
      callId,
      startMs: 1000,
      endMs: 3500,
      title: 'Saludo correcto',
      note: 'aviso a tiempo',
      collectionId: collection.body.id,
    });
    expect(clip.status).toBe(201);
    expect(clip.body).toMatchObject({ callId, startMs: 1000, endMs: 3500, title: 'Saludo correcto' });
    const detail = await trainer.agent.get(`/api/v1/collections/${collection.body.id}`);
    expect(detail.body.items).toHaveLength(1);
    expect(detail.body.items[0]).toMatchObject({
      callId,
      clip: { id: clip.body.id, title: 'Saludo correcto' },
      call: { campaign: 'training' },
    });
    const list = await trainer.agent.get('/api/v1/collections');
    expect(list.body.items).toEqual([expect.objectContaining({ name: 'Buenas aperturas', items: 1 })]);
    const whole = await post(`/api/v1/collections/${collection.body.id}/items`, {
      callId,
      note: 'llamada completa',
    });
    expect(whole.status).toBe(201);
    const audit = await api.accounts.audit.list({
      actions: ['clip_create', 'collection_add'],
      callId,
      limit: 5,
    });
    expect(audit.items.map((e) => e.action).sort()).toEqual(['clip_create', 'collection_add']);
  });

  it("lets others read a collection and a clip but change them only when they are the creator's team or admins", async () => {
    const owner = await login(api.app, await addUser(api, 'trainer', { teams: ['formacion-bogota'] }));
    const teammate = await login(
      api.app,
      await addUser(api, 'qa_supervisor', { teams: ['formacion-bogota'] }),
    );
    // No team: sees every call, shares a team with nobody.
    const stranger = await login(api.app, await addUser(api, 'trainer'));
    const teamCall = await uploadCall(api, { agentId: 'A6', team: 'formacion-bogota' }, { seconds: 4 });
    const as = (s: Session) => ({
      post: (url: string, body: object) => s.agent.post(url).set('X-CSRF-Token', s.csrf).send(body),
      patch: (url: string, body: object) => s.agent.patch(url).set('X-CSRF-Token', s.csrf).send(body),
      del: (url: string) => s.agent.delete(url).set('X-CSRF-Token', s.csrf),
    });
    const collection = await as(owner).post('/api/v1/collections', { name: 'Objeciones' });
    const url = `/api/v1/collections/${collection.body.id}`;
    const clip = await as(owner).post('/api/v1/clips', {
      callId: teamCall,
      startMs: 0,
      endMs: 2000,
      title: 'Objeción',
    });
    const item = await as(owner).post(`${url}/items`, { callId: teamCall, note: 'ejemplo' });
    expect(item.status).toBe(201);

    // Whether each may change it comes with what they read, so the UI offers edit controls only then.
    const mayChange = async (s: Session) => ({
      collection: (await s.agent.get(url)).body.mayChange,
      listed: (await s.agent.get('/api/v1/collections')).body.items.find(
        (c: { id: string }) => c.id === collection.body.id,
      ).mayChange,
      clip: (await s.agent.get(`/api/v1/clips/${clip.body.id}`)).body.mayChange,
      clips: (await s.agent.get('/api/v1/clips')).body.items.find(
        (c: { id: string }) => c.id === clip.body.id,
      ).mayChange,
    });
    const everything = { collection: true, listed: true, clip: true, clips: true };
    expect(collection.body.mayChange).toBe(true);
    expect(await mayChange(owner)).toEqual(everything);
    expect(await mayChange(teammate)).toEqual(everything);
    expect(await mayChange(stranger)).toEqual({
      collection: false,
      listed: false,
      clip: false,
      clips: false,
    });

    // Someone outside the team reads, but every change is refused and nothing changes.
    expect((await stranger.agent.get(url)).status).toBe(200);
    expect((await stranger.agent.get(`/api/v1/clips/${clip.body.id}`)).status).toBe(200);
    const refused = [
      await as(stranger).patch(url, { name: 'Mías' }),
      await as(stranger).post(`${url}/items`, { callId: teamCall }),
      await as(stranger).del(`${url}/items/${item.body.id}`),
      await as(stranger).post('/api/v1/clips', {
        callId: teamCall,
        startMs: 0,
        endMs: 1000,
        title: 'x',
        collectionId: collection.body.id,
      }),
      await as(stranger).del(`/api/v1/clips/${clip.body.id}`),
      await as(stranger).del(url),
    ];
    expect(refused.map((r) => r.status)).toEqual([403, 403, 403, 403, 403, 403]);
    expect(refused.map((r) => r.body.error.code)).toEqual(Array(6).fill('FORBIDDEN'));
    const after = await owner.agent.get(url);
    expect(after.body).toMatchObject({ name: 'Objeciones' });
    expect(after.body.items).toHaveLength(1);

    // The creator's team changes it; an admin key too.
    expect((await as(teammate).patch(url, { name: 'Objeciones frecuentes' })).status).toBe(200);
    expect((await as(teammate).del(`/api/v1/clips/${clip.body.id}`)).status).toBe(204);
    const admin = await request(api.app).delete(url).set('Authorization', `Bearer ${api.adminKey}`);
    expect(admin.status).toBe(204);
  });

  it('refuses clips outside the call and of unknown calls', async () => {
    expect((await post('/api/v1/clips', { callId, startMs: 7000, endMs: 8000, title: 'x' })).status).toBe(
      400,
    );
    expect((await post('/api/v1/clips', { callId, startMs: 2000, endMs: 1000, title: 'x' })).status).toBe(
      400,
    );
    const unknown = await post('/api/v1/clips', {
      callId: '00000000-0000-4000-8000-000000000000',
      startMs: 0,
      endMs: 1000,
      title: 'x',
    });
    expect(unknown.status).toBe(404);
  });

  it('exports a clip as WAV and OGG cut from the stored recording, and audits the export', async () => {
    const clip = await post('/api/v1/clips', {
      callId,
      startMs: 1500,
      endMs: 4000,
      title: 'Objeción / manejo',
    });
    for (const [format, codec] of [
      ['wav', 'pcm_s16le'],
      ['ogg', 'opus'],
      ['mp3', 'mp3'],
    ] as const) {
      const res = await trainer.agent
        .get(`/api/v1/clips/${clip.body.id}/audio?format=${format}`)
        .buffer(true)
        .parse(binaryBody);
      expect(res.status).toBe(200);
      expect(res.headers['content-disposition']).toBe(`attachment; filename="Objeci_n_manejo.${format}"`);
      const file = path.join(dir, `clip.${format}`);
      await writeFile(file, res.body as Buffer);
      const p = await probe(file);
      expect(p.codec).toBe(codec);
      expect(p.channels).toBe(2);
      expect(p.duration).toBeGreaterThan(2.4);
      expect(p.duration).toBeLessThan(2.7);
    }
    const exports = await api.accounts.audit.list({ actions: ['export'], callId, limit: 10 });
    expect(exports.items).toHaveLength(3);
    expect(exports.items[0]!.details).toMatchObject({
      format: 'mp3',
      recording: 'original',
      startMs: 1500,
      endMs: 4000,
    });
    for (const format of ['flac', 'constructor', '__proto__', 'toString']) {
      const res = await trainer.agent.get(`/api/v1/clips/${clip.body.id}/audio?format=${format}`);
      expect(res.status, format).toBe(400);
      expect(res.body.error.code, format).toBe('INVALID_QUERY');
    }
  });

  it('cuts the redacted recording when the call has one', async () => {
    const db = api.database.handle.db;
    const original = await db
      .selectFrom('recordings')
      .selectAll()
      .where('call_id', '=', callId)
      .executeTakeFirstOrThrow();
    // A "redacted" copy that is silent: what the clip contains tells which one was cut.
    const silent = path.join(dir, 'silent.ogg');
    await exec(resolveFfmpegPaths().ffmpeg, [
      '-hide_banner',
      '-loglevel',
      'error',
      '-f',
      'lavfi',
      '-i',
      'anullsrc=r=16000:cl=stereo',
      '-t',
      '6',
      '-c:a',
      'libopus',
      '-y',
      silent,
    ]);
    const { createReadStream } = await import('node:fs');
    const key = `${original.object_key}.redacted.ogg`;
    const body = new PassThrough();
    createReadStream(silent).pipe(body);
    const put = await api.store.put(key, body, { contentType: 'audio/ogg' });
    await db
      .insertInto('recordings')
      .values({
        ...original,
        id: undefined,
        kind: 'redacted',
        object_key: key,
        sha256: put.sha256,
        size_bytes: put.sizeBytes,
      } as never)
      .execute();
    const clip = await post('/api/v1/clips', { callId, startMs: 0, endMs: 2000, title: 'redacted' });
    const res = await trainer.agent.get(`/api/v1/clips/${clip.body.id}/audio`).buffer(true).parse(binaryBody);
    const file = path.join(dir, 'redacted.wav');
    await writeFile(file, res.body as Buffer);
    expect(await meanVolumeDb(file)).toBeLessThan(-80);
    const e = (await api.accounts.audit.list({ actions: ['export'], callId, limit: 1 })).items[0]!;
    expect(e.details).toMatchObject({ recording: 'redacted', format: 'wav' });
    // The original, cut the same way, is not silent.
    await db.deleteFrom('recordings').where('object_key', '=', key).execute();
    const again = await trainer.agent
      .get(`/api/v1/clips/${clip.body.id}/audio`)
      .buffer(true)
      .parse(binaryBody);
    await writeFile(file, again.body as Buffer);
    expect(await meanVolumeDb(file)).toBeGreaterThan(-40);
  });

  it('keeps the library to trainers, QA supervisors and admins', async () => {
    const compliance = await login(api.app, await addUser(api, 'compliance_officer'));
    expect((await compliance.agent.get('/api/v1/collections')).status).toBe(403);
    const agent = await login(api.app, await addUser(api, 'agent', { agentId: 'A5' }));
    expect((await agent.agent.get('/api/v1/clips')).status).toBe(403);
  });
});
