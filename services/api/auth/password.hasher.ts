import { hash as argon2Hash, verify as argon2Verify } from '@node-rs/argon2';

/**
 * Password hashing with argon2id (`@node-rs/argon2`, prebuilt for each platform, no compiler needed). The default
 * cost follows the OWASP recommendation (19 MiB, 2 passes, 1 lane); tests pass a cheaper one. Hashes are PHC
 * strings (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`), so a hash made with other parameters still verifies, and
 * `needsRehash` tells the caller to store a fresh one after a successful login.
 */
export interface PasswordCost {
  memoryCost: number;
  timeCost: number;
  parallelism: number;
}

export const DEFAULT_PASSWORD_COST: PasswordCost = { memoryCost: 19_456, timeCost: 2, parallelism: 1 };

/** `Algorithm.Argon2id` of @node-rs/argon2 (an ambient const enum, not importable under verbatimModuleSyntax). */
const ARGON2ID = 2;

const PHC = /^\$argon2id\$v=19\$([a-z]=\d+(?:,[a-z]=\d+)*)\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/;

export class PasswordHasher {
  /** A hash of a random password, verified against when the user is unknown so timing does not tell. */
  private dummy: Promise<string> | undefined;

  constructor(private readonly cost: PasswordCost = DEFAULT_PASSWORD_COST) {}

  hash(password: string): Promise<string> {
    return argon2Hash(password, { algorithm: ARGON2ID, ...this.cost });
  }

  async verify(hash: string, password: string): Promise<boolean> {
    try {
      return await argon2Verify(hash, password);
    } catch {
      return false;
    }
  }

  /** True when the hash is not argon2id v19 with exactly this cost (older parameters, another algorithm). */
  needsRehash(hash: string): boolean {
    const match = PHC.exec(hash);
    if (!match) return true;
    // Parameters in any order: other argon2 libraries write them as m,p,t.
    const params = new Map(match[1]!.split(',').map((kv) => [kv[0], Number(kv.slice(2))] as const));
    return (
      params.get('m') !== this.cost.memoryCost ||
      params.get('t') !== this.cost.timeCost ||
      params.get('p') !== this.cost.parallelism
    );
  }

  /** Spends the time of one verification without any user. */
  async verifyNobody(password: string): Promise<void> {
    this.dummy ??= this.hash(`nobody-${Math.random()}`);
    await this.verify(await this.dummy, password);
  }
}
