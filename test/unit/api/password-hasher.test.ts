import { describe, expect, it } from 'vitest';
import { PasswordHasher } from '../../../services/api/auth/password.hasher.ts';

const cheap = { memoryCost: 1024, timeCost: 1, parallelism: 1 };

describe('PasswordHasher', () => {
  it('hashes with argon2id into a PHC string that verifies only the right password', async () => {
    const hasher = new PasswordHasher(cheap);
    const hash = await hasher.hash('correct horse');
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=1024,t=1,p=1\$/);
    expect(await hasher.verify(hash, 'correct horse')).toBe(true);
    expect(await hasher.verify(hash, 'correct horsE')).toBe(false);
  });

  it('answers false, not an error, for a malformed stored hash', async () => {
    expect(await new PasswordHasher(cheap).verify('not-a-hash', 'x')).toBe(false);
  });

  it('asks for a rehash when the cost or the algorithm differs', async () => {
    const old = await new PasswordHasher(cheap).hash('pw');
    expect(new PasswordHasher(cheap).needsRehash(old)).toBe(false);
    expect(new PasswordHasher({ ...cheap, timeCost: 2 }).needsRehash(old)).toBe(true);
    expect(new PasswordHasher(cheap).needsRehash('$2b$10$abcdefghijklmnopqrstuv')).toBe(true);
    // The same cost written in another parameter order is not a reason to rehash.
    const reordered = old.replace('m=1024,t=1,p=1', 'm=1024,p=1,t=1');
    expect(new PasswordHasher(cheap).needsRehash(reordered)).toBe(false);
    expect(await new PasswordHasher(cheap).verify(reordered, 'pw')).toBe(true);
  });
});
