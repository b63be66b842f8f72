import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { EscuchaError } from '../platform/errors.ts';

/**
 * Webhook signing secrets at rest. Escucha must read a secret back to sign with it (a hash would not do), so it is
 * sealed with AES-256-GCM under a server key kept outside the database: `webhook-secret.key` in the data directory
 * (platform/key-file.ts, readable by its owner only), like the device-cookie key. A database dump alone then reveals
 * no secret. Sealed form: `v1.<iv>.<tag>.<ciphertext>`, base64url; the subscription id is the associated data, so a
 * sealed secret copied onto another subscription does not open.
 */
export const WEBHOOK_SECRET_KEY_FILE = 'webhook-secret.key';

export class SecretBox {
  private key: Promise<Buffer> | undefined;

  /** `key` is asked for once, at the first use (the key file is made then). */
  constructor(private readonly loadKey: () => Promise<Buffer>) {}

  private async keyBytes(): Promise<Buffer> {
    this.key ??= this.loadKey();
    const key = await this.key;
    if (key.length !== 32)
      throw new EscuchaError('CONFIG_INVALID', 'the webhook secret key must be 32 bytes');
    return key;
  }

  async seal(secret: string, subscriptionId: string): Promise<string> {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', await this.keyBytes(), iv);
    cipher.setAAD(Buffer.from(subscriptionId));
    const data = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
    return ['v1', iv, cipher.getAuthTag(), data]
      .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
      .join('.');
  }

  async open(sealed: string, subscriptionId: string): Promise<string> {
    const [version, iv, tag, data] = sealed.split('.');
    if (version !== 'v1' || !iv || !tag || data === undefined) {
      throw new EscuchaError('INTERNAL', 'a webhook secret is stored in a form this server does not read');
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', await this.keyBytes(), Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(subscriptionId));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString(
        'utf8',
      );
    } catch (error) {
      throw new EscuchaError(
        'ENCRYPTION_KEY_UNKNOWN',
        `the webhook secret cannot be opened with this server's ${WEBHOOK_SECRET_KEY_FILE} (set a new secret)`,
        { cause: error },
      );
    }
  }
}
