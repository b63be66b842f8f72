import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeFixture } from '../../support/audio-fixtures.ts';
import { BIN, embeddedClient, serveEnv, startServe, type ServeProcess } from '../../support/serve.ts';

const exec = promisify(execFile);

/** Encryption at rest as an operator turns it on: a key file, serve, recordings played, a key rotated under serve. */
describe('encryption at rest', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let keyFile: string;
  let serve: ServeProcess | undefined;

  beforeAll(async () => {
    ({ dir, env } = await serveEnv('escucha-encryption-'));
    keyFile = path.join(dir, 'keys.json');
    env.ESCUCHA_ENCRYPTION_KEY_FILE = keyFile;
  });

  afterAll(async () => {
    await serve?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('stores recordings encrypted, plays them whole and by range, and survives a key rotation while serving', async () => {
    const added = await exec(process.execPath, [BIN, 'archive', 'key', 'add', 'k1'], { env });
    expect(added.stdout).toMatch(/created .*keys\.json: new recordings are encrypted with key k1/);
    serve = await startServe(env, 90_000);
    // The banner names the ffmpeg serve uses (printed right after the line startServe waits for).
    for (let i = 0; i < 50 && !serve.output().includes('ffmpeg:'); i++)
      await new Promise((r) => setTimeout(r, 100));
    expect(serve.output()).toMatch(/ {2}ffmpeg: {4}\/\S*ffmpeg \((the system one|bundled with npm)\)/);

    const audioDir = path.join(dir, 'recordings');
    await mkdir(audioDir);
    await makeFixture(audioDir, 'wav-ulaw', { seconds: 3, channels: 2, sampleRate: 8000 });
    const imported = await exec(process.execPath, [BIN, 'import', audioDir, '--no-progress'], { env });
    expect(imported.stdout).toMatch(/imported 1, already archived 0, failed 0/);
    const apiKey = (await exec(process.execPath, [BIN, 'keys', 'create', '--role', 'admin'], { env })).stdout
      .trim()
      .split('\n')
      .pop()!;
    const auth = { Authorization: `Bearer ${apiKey}` };
    const list = (await (await fetch(`${serve.url}/api/v1/calls`, { headers: auth })).json()) as {
      items: { id: string }[];
    };
    const audioUrl = `${serve.url}/api/v1/calls/${list.items[0]!.id}/audio`;

    const whole = await fetch(audioUrl, { headers: auth });
    expect(whole.status).toBe(200);
    const audio = Buffer.from(await whole.arrayBuffer());
    expect(audio.subarray(0, 4).toString('latin1')).toBe('OggS');
    expect(whole.headers.get('etag')).toBe(`"${createHash('sha256').update(audio).digest('hex')}"`);
    const part = await fetch(audioUrl, { headers: { ...auth, Range: 'bytes=100-2099' } });
    expect(part.status).toBe(206);
    expect(Buffer.from(await part.arrayBuffer()).equals(audio.subarray(100, 2100))).toBe(true);

    // What lies in the store is the envelope, not the audio.
    const db = await embeddedClient(env.ESCUCHA_DATA_DIR!);
    let objectKey: string;
    try {
      objectKey = (
        await db.query<{ object_key: string }>("select object_key from recordings where kind = 'original'")
      ).rows[0]!.object_key;
    } finally {
      await db.end();
    }
    const file = path.join(env.ESCUCHA_DATA_DIR!, 'objects', ...objectKey.split('/'));
    const stored = await readFile(file);
    expect(stored.subarray(0, 6).toString('latin1')).toBe('ESCENC');
    expect(stored.includes(Buffer.from('OggS'))).toBe(false);
    expect(stored.length).toBeGreaterThan(audio.length);

    // A new master key, every object re-wrapped under it, and the old key retired: serve, which started with the
    // old key only, reads the key file again when it meets the new one.
    await exec(process.execPath, [BIN, 'archive', 'key', 'add', 'k2'], { env });
    const rekey = await exec(process.execPath, [BIN, 'archive', 'rekey'], { env });
    expect(rekey.stdout).toMatch(/^(\d+) recordings: 0 encrypted, \1 re-wrapped, 0 already under key k2$/m);
    expect((await readFile(file)).subarray(0, 80).includes(Buffer.from('k2'))).toBe(true);
    const again = await exec(process.execPath, [BIN, 'archive', 'rekey'], { env });
    expect(again.stdout).toMatch(/^(\d+) recordings: 0 encrypted, 0 re-wrapped, \1 already under key k2$/m);
    const keys = JSON.parse(await readFile(keyFile, 'utf8')) as {
      current: string;
      keys: Record<string, string>;
    };
    delete keys.keys.k1;
    await writeFile(keyFile, JSON.stringify(keys), { mode: 0o600 });

    const afterRotation = await fetch(audioUrl, { headers: { ...auth, Range: 'bytes=0-' } });
    expect(afterRotation.status).toBe(206);
    expect(Buffer.from(await afterRotation.arrayBuffer()).equals(audio)).toBe(true);
    const verify = await exec(process.execPath, [BIN, 'archive', 'verify', '--all'], { env });
    expect(verify.stdout).toMatch(/recordings checked .*: all match what was archived/);

    // Tampering with the ciphertext is caught by its authentication: playback refused, the recording flagged.
    const tampered = await readFile(file);
    tampered[tampered.length >> 1]! ^= 0x10;
    await writeFile(file, tampered);
    const refused = await fetch(audioUrl, { headers: auth });
    expect(refused.status).toBe(500);
    expect(await refused.json()).toMatchObject({ error: { code: 'RECORDING_CORRUPT' } });
  }, 240_000);
});
