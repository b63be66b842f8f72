import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { addMasterKey } from '../../../services/archive/encryption/keyring.ts';
import { FsObjectStore } from '../../../services/archive/fs.store.ts';
import { S3ObjectStore } from '../../../services/archive/s3.store.ts';
import { createObjectStore } from '../../../services/archive/store.factory.ts';
import { loadConfig } from '../../../services/platform/config.ts';

describe(createObjectStore.name, () => {
  it('creates a folder store rooted at storageDir when storage is fs, unencrypted without a key file', async () => {
    const dir = path.join(os.tmpdir(), 'escucha-factory-objects');
    const store = await createObjectStore(loadConfig({ env: { ESCUCHA_STORAGE_DIR: dir } }));
    expect(store.inner).toBeInstanceOf(FsObjectStore);
    expect(store.kind).toBe('fs');
    expect((store.inner as FsObjectStore).root).toBe(dir);
    expect(store.currentKeyId).toBeUndefined();
    await store.close();
  });

  it('creates an S3 store on the configured bucket when storage is s3', async () => {
    const store = await createObjectStore(
      loadConfig({
        env: {
          ESCUCHA_STORAGE: 's3',
          ESCUCHA_S3_ENDPOINT: 'http://127.0.0.1:9000',
          ESCUCHA_S3_BUCKET: 'calls',
        },
      }),
    );
    expect(store.inner).toBeInstanceOf(S3ObjectStore);
    expect(store.kind).toBe('s3');
    expect((store.inner as S3ObjectStore).bucket).toBe('calls');
    await store.close();
  });

  it('encrypts with the current key of the key file, and refuses a key file that is bad or readable by others', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'escucha-factory-keys-'));
    const keyFile = path.join(dir, 'keys.json');
    await addMasterKey(keyFile, 'first');
    await addMasterKey(keyFile, 'second');
    const env = { ESCUCHA_STORAGE_DIR: path.join(dir, 'objects'), ESCUCHA_ENCRYPTION_KEY_FILE: keyFile };
    const store = await createObjectStore(loadConfig({ env }));
    expect(store.currentKeyId).toBe('second');

    chmodSync(keyFile, 0o644);
    await expect(createObjectStore(loadConfig({ env }))).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringContaining('chmod 600'),
    });
    writeFileSync(keyFile, JSON.stringify({ current: 'a', keys: { a: 'c2hvcnQ=' } }), { mode: 0o600 });
    chmodSync(keyFile, 0o600);
    await expect(createObjectStore(loadConfig({ env }))).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringContaining('is not 32 bytes'),
    });
    writeFileSync(keyFile, JSON.stringify({ current: 'b', keys: {} }));
    await expect(createObjectStore(loadConfig({ env }))).rejects.toMatchObject({
      message: expect.stringContaining('the current key b is not among its keys'),
    });
    await expect(
      createObjectStore(
        loadConfig({ env: { ...env, ESCUCHA_ENCRYPTION_KEY_FILE: path.join(dir, 'absent') } }),
      ),
    ).rejects.toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringContaining('cannot be read') });
  });
});
