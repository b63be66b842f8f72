import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Device cookies (OWASP's remedy for password guessing spread over many addresses): a successful sign-in leaves in
 * that browser a long-lived, HttpOnly cookie naming the account, signed (HMAC-SHA256) with a server key. Failed
 * sign-ins of an account from clients without such a cookie are counted together, whatever their address, and slowed
 * past a threshold; a client with one keeps the per-address treatment only, so the account's owner, on a browser
 * they signed in with before, is never held back by someone else's guessing.
 *
 * The value holds up to `MAX_ENTRIES` entries (several people sharing a browser), `~`-separated, each
 * `<name, base64url>.<issued ms, base 36>.<nonce>.<mac>`; an entry is valid while its signature matches and it is
 * younger than `maxAgeMs`. It is sent only to the sign-in route and never authenticates anything by itself.
 */

export const DEVICE_COOKIE = 'escucha_device';
/** The only route that reads it. */
export const DEVICE_COOKIE_PATH = '/api/v1/auth/login';
export const DEFAULT_DEVICE_COOKIE_MAX_AGE_MS = 180 * 24 * 3_600_000;
const MAX_ENTRIES = 4;

export interface DeviceCookieOptions {
  /** The signing key (loaded once, on first use). */
  key: () => Promise<Buffer>;
  maxAgeMs?: number;
  now?: () => number;
}

interface Entry {
  name: string;
  text: string;
}

export class DeviceCookies {
  readonly maxAgeMs: number;
  private readonly now: () => number;
  private key: Promise<Buffer> | undefined;

  constructor(private readonly options: DeviceCookieOptions) {
    this.maxAgeMs = options.maxAgeMs ?? DEFAULT_DEVICE_COOKIE_MAX_AGE_MS;
    this.now = options.now ?? Date.now;
  }

  /** Whether the cookie's value holds a valid entry for this account name (compared case-insensitively). */
  async trusts(value: string | undefined, username: string): Promise<boolean> {
    const name = username.toLowerCase();
    return (await this.valid(value)).some((e) => e.name === name);
  }

  /** The cookie's new value after `username` signed in: its fresh entry first, the other names' valid entries after. */
  async issue(username: string, previous: string | undefined): Promise<string> {
    const name = username.toLowerCase();
    const issued = this.now().toString(36);
    const nonce = randomBytes(12).toString('base64url');
    const head = `${Buffer.from(name).toString('base64url')}.${issued}.${nonce}`;
    const fresh = `${head}.${await this.mac(head)}`;
    const others = (await this.valid(previous)).filter((e) => e.name !== name).map((e) => e.text);
    return [fresh, ...others].slice(0, MAX_ENTRIES).join('~');
  }

  private async valid(value: string | undefined): Promise<Entry[]> {
    if (!value || value.length > 2048) return [];
    const out: Entry[] = [];
    const now = this.now();
    for (const text of value.split('~').slice(0, MAX_ENTRIES)) {
      const parts = text.split('.');
      if (parts.length !== 4) continue;
      const [encodedName, issuedText, nonce, mac] = parts as [string, string, string, string];
      const issued = parseInt(issuedText, 36);
      if (!Number.isFinite(issued) || issued > now + 60_000 || now - issued > this.maxAgeMs) continue;
      const expected = Buffer.from(await this.mac(`${encodedName}.${issuedText}.${nonce}`));
      const found = Buffer.from(mac);
      if (expected.length !== found.length || !timingSafeEqual(expected, found)) continue;
      out.push({ name: Buffer.from(encodedName, 'base64url').toString('utf8'), text });
    }
    return out;
  }

  private async mac(text: string): Promise<string> {
    this.key ??= this.options.key().catch((error: unknown) => {
      this.key = undefined; // tried again on the next sign-in
      throw error;
    });
    return createHmac('sha256', await this.key)
      .update(`escucha device cookie\n${text}`)
      .digest('base64url');
  }
}
