import type { Config } from '../platform/config.ts';
import { FsObjectStore } from './fs.store.ts';
import type { ObjectStore } from './object-store.ts';
import { S3ObjectStore } from './s3.store.ts';

/** The object store the config asks for: a local folder (`storageDir`) or an S3-compatible bucket. */
export function createObjectStore(config: Config): ObjectStore {
  switch (config.storage) {
    case 's3':
      return new S3ObjectStore(config.s3);
    case 'fs':
      return new FsObjectStore({ root: config.storageDir });
  }
}
