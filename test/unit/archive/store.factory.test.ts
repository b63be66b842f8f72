import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FsObjectStore } from '../../../services/archive/fs.store.ts';
import { S3ObjectStore } from '../../../services/archive/s3.store.ts';
import { createObjectStore } from '../../../services/archive/store.factory.ts';
import { loadConfig } from '../../../services/platform/config.ts';

describe(createObjectStore.name, () => {
  it('creates a folder store rooted at storageDir when storage is fs', async () => {
    const dir = path.join(os.tmpdir(), 'escucha-factory-objects');
    const store = createObjectStore(loadConfig({ env: { ESCUCHA_STORAGE_DIR: dir } }));
    expect(store).toBeInstanceOf(FsObjectStore);
    expect(store.kind).toBe('fs');
    expect((store as FsObjectStore).root).toBe(dir);
    await store.close();
  });

  it('creates an S3 store on the configured bucket when storage is s3', async () => {
    const store = createObjectStore(
      loadConfig({
        env: {
          ESCUCHA_STORAGE: 's3',
          ESCUCHA_S3_ENDPOINT: 'http://127.0.0.1:9000',
          ESCUCHA_S3_BUCKET: 'calls',
        },
      }),
    );
    expect(store).toBeInstanceOf(S3ObjectStore);
    expect(store.kind).toBe('s3');
    expect((store as S3ObjectStore).bucket).toBe('calls');
    await store.close();
  });
});
