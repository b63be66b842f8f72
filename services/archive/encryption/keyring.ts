import { randomBytes } from 'node:crypto';
import { readFile, writeFile, rename, stat } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { EscuchaError, errorMessage } from '../../platform/errors.ts';

/** Master keys are AES-256 keys: 32 random bytes, written base64 in the key file. */
export const MASTER_KEY_BYTES = 32;
/** Key ids go into every object's header (at most this many UTF-8 bytes). */
export const MAX_KEY_ID_BYTES = 64;
const KEY_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

const keyFileSchema = z.object({
  current: z.string(),
  keys: z.record(z.string(), z.string()),
});

export interface MasterKey {
  readonly id: string;
  readonly key: Buffer;
}

/**
 * The master keys that wrap the per-object data keys (envelope encryption). New objects are wrapped with the
 * current key; older keys stay in the file so objects wrapped with them can still be read until `escucha archive
 * rekey` has re-wrapped them. The file (`ESCUCHA_ENCRYPTION_KEY_FILE`) is JSON:
 * `{"current": "<id>", "keys": {"<id>": "<32 bytes, base64>", ...}}`, readable by Escucha's user only.
 */
export class MasterKeyring {
  private constructor(
    readonly current: MasterKey,
    private readonly keys: ReadonlyMap<string, Buffer>,
  ) {}

  /** The key file's content for this keyring (what `addMasterKey` extends). */
  get raw(): { current: string; keys: Record<string, string> } {
    const keys: Record<string, string> = {};
    for (const [id, key] of this.keys) keys[id] = key.toString('base64');
    return { current: this.current.id, keys };
  }

  static fromJson(text: string, source: string): MasterKeyring {
    let parsed: z.infer<typeof keyFileSchema>;
    try {
      parsed = keyFileSchema.parse(JSON.parse(text));
    } catch (error) {
      throw invalid(source, `not a key file (${errorMessage(error)})`);
    }
    const keys = new Map<string, Buffer>();
    for (const [id, encoded] of Object.entries(parsed.keys)) {
      checkKeyId(id, source);
      const key = Buffer.from(encoded, 'base64');
      if (key.length !== MASTER_KEY_BYTES || key.toString('base64') !== encoded.trim()) {
        throw invalid(source, `key ${id} is not ${MASTER_KEY_BYTES} bytes of base64`);
      }
      keys.set(id, key);
    }
    const current = keys.get(parsed.current);
    if (!current) throw invalid(source, `the current key ${parsed.current} is not among its keys`);
    return new MasterKeyring({ id: parsed.current, key: current }, keys);
  }

  /** Reads and validates the key file; refuses one that other users can read. */
  static async load(file: string): Promise<MasterKeyring> {
    let text: string;
    try {
      const info = await stat(file);
      if ((info.mode & 0o077) !== 0) {
        throw invalid(file, 'other users can read it; make it readable by its owner only (chmod 600)');
      }
      text = await readFile(file, 'utf8');
    } catch (error) {
      if (error instanceof EscuchaError) throw error;
      throw invalid(file, `cannot be read (${errorMessage(error)})`);
    }
    return MasterKeyring.fromJson(text, file);
  }

  get(id: string): Buffer | undefined {
    return this.keys.get(id);
  }

  get ids(): string[] {
    return [...this.keys.keys()];
  }
}

/**
 * Adds a new random master key to the key file (created, mode 600, if absent) and makes it current. The old keys
 * stay, so nothing stored becomes unreadable; `escucha archive rekey` then re-wraps every object with the new one.
 */
export async function addMasterKey(file: string, id: string): Promise<{ created: boolean }> {
  checkKeyId(id, file);
  let text: string | undefined;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw invalid(file, errorMessage(error));
  }
  // An existing file must be a valid key file before a key is added to it (fromJson throws otherwise).
  const existing = text === undefined ? undefined : MasterKeyring.fromJson(text, file).raw;
  if (existing && id in existing.keys) throw invalid(file, `it already has a key ${id}`);
  const next = {
    current: id,
    keys: { ...existing?.keys, [id]: randomBytes(MASTER_KEY_BYTES).toString('base64') },
  };
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString('hex')}`);
  await writeFile(tmp, JSON.stringify(next, null, 2) + '\n', { mode: 0o600, flag: 'wx', flush: true });
  await rename(tmp, file);
  return { created: existing === undefined };
}

function checkKeyId(id: string, source: string): void {
  if (!KEY_ID.test(id) || Buffer.byteLength(id) > MAX_KEY_ID_BYTES) {
    throw invalid(
      source,
      `key id ${JSON.stringify(id)} must be letters, digits, '.', '_' or '-' (at most ${MAX_KEY_ID_BYTES})`,
    );
  }
}

function invalid(source: string, why: string): EscuchaError {
  return new EscuchaError('CONFIG_INVALID', `encryption key file ${source}: ${why}`);
}
