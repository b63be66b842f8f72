import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditAnchor } from '../../../services/api/audit/audit-anchor.ts';

describe(AuditAnchor.name, () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp('/tmp/escucha-anchor-');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('signs the head it keeps, never moves back, and reports an edited anchor as tampered', async () => {
    const anchor = new AuditAnchor(dir);
    expect(await anchor.read()).toEqual({ state: 'none' });
    expect(await anchor.advance({ id: '10', hash: 'a'.repeat(64) })).toBe(true);
    expect(await anchor.advance({ id: '9', hash: 'b'.repeat(64) })).toBe(false);
    expect(await anchor.read()).toMatchObject({ state: 'valid', point: { lastId: '10' } });
    expect(await anchor.advance({ id: '12', hash: 'c'.repeat(64) })).toBe(true);
    const read = await anchor.read();
    expect(read).toMatchObject({ state: 'valid', point: { lastId: '12', lastHash: 'c'.repeat(64) } });
    expect((await stat(path.join(dir, 'audit-anchor.key'))).mode & 0o777).toBe(0o600);
    // Another process with the same key reads it as valid.
    expect((await new AuditAnchor(dir).read()).state).toBe('valid');

    const body = JSON.parse(await readFile(anchor.file, 'utf8')) as Record<string, string>;
    await writeFile(anchor.file, JSON.stringify({ ...body, lastId: '5' }));
    expect(await anchor.read()).toMatchObject({ state: 'tampered' });
    // A tampered anchor is left for verify to report, not overwritten.
    const tampered = await readFile(anchor.file, 'utf8');
    expect(await anchor.advance({ id: '13', hash: 'd'.repeat(64) })).toBe(false);
    expect(await readFile(anchor.file, 'utf8')).toBe(tampered);
    await writeFile(anchor.file, 'not json');
    expect(await anchor.read()).toMatchObject({ state: 'tampered' });
  });
});
