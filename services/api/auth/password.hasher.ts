import argon2 from 'argon2';

/**
 * Password hashing with argon2id. The default cost follows the OWASP recommendation (19 MiB, 2 passes, 1 lane);
 * tests pass a cheaper one. A hash made with other parameters still verifies, and `needsRehash` tells the caller
 * to store a fresh one after a successful login.
 */
export interface PasswordCost {
  memoryCost: number;
  timeCost: number;
  parallelism: number;
}

export const DEFAULT_PASSWORD_COST: PasswordCost = { memoryCost: 19_456, timeCost: 2, parallelism: 1 };

export class PasswordHasher {
  /** A hash of a random password, verified against when the user is unknown so timing does not tell. */
  private dummy: Promise<string> | undefined;

  constructor(private readonly cost: PasswordCost = DEFAULT_PASSWORD_COST) {}

  hash(password: string): Promise<string> {
    return argon2.hash(password, { type: argon2.argon2id, ...this.cost });
  }

  async verify(hash: string, password: string): Promise<boolean> {
    try {
      return await argon2.verify(hash, password);
    } catch {
      return false;
    }
  }

  needsRehash(hash: string): boolean {
    try {
      return argon2.needsRehash(hash, { ...this.cost });
    } catch {
      return true;
    }
  }

  /** Spends the time of one verification without any user. */
  async verifyNobody(password: string): Promise<void> {
    this.dummy ??= this.hash(`nobody-${Math.random()}`);
    await this.verify(await this.dummy, password);
  }
}
