import type { Config } from '../platform/config.ts';
import { EncryptedObjectStore } from './encryption/encrypted.store.ts';
import { MasterKeyring } from './encryption/keyring.ts';
import { FsObjectStore } from './fs.store.ts';
import { S3ObjectStore } from './s3.store.ts';

/** The store adapter the config asks for: a local folder (`storageDir`) or an S3-compatible bucket. */
export function createBaseStore(config: Config): FsObjectStore | S3ObjectStore {
  switch (config.storage) {
    case 's3':
      return new S3ObjectStore(config.s3);
    case 'fs':
      return new FsObjectStore({ root: config.storageDir });
  }
}

/**
 * The object store Escucha uses: the configured adapter inside envelope encryption. With an encryption key file,
 * objects are encrypted at rest; without one they are stored as they are, and an encrypted object is refused
 * (ENCRYPTION_KEY_UNKNOWN) instead of served undecrypted. The key file is read and validated here, once.
 */
export async function createObjectStore(config: Config): Promise<EncryptedObjectStore> {
  const file = config.encryptionKeyFile;
  if (!file) return new EncryptedObjectStore(createBaseStore(config), undefined);
  return new EncryptedObjectStore(createBaseStore(config), await MasterKeyring.load(file), () =>
    MasterKeyring.load(file),
  );
}
