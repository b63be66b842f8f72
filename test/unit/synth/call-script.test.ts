import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isEscuchaError } from '../../../services/platform/errors.ts';
import { loadCallScript, parseCallScript } from '../../../services/cli/call-script.ts';

describe(parseCallScript.name, () => {
  it('accepts speech, pause and DTMF turns and fills in the defaults', () => {
    const script = parseCallScript({
      language: 'es',
      agent: { name: 'Carolina Gómez', number: '+57 601 555 0101', voice: 'es-419+f2' },
      metadata: { externalId: 'x-1', disposition: 'PTP', startedAt: '2026-03-02T10:15:02-05:00' },
      turns: [{ party: 'agent', text: 'buenos días' }, { pause: 1.5 }, { party: 'customer', dtmf: '4512#*' }],
    });
    expect(script).toMatchObject({ seed: 1, telephone: true, codec: 'PCMU', customer: {} });
    expect(script.turns).toHaveLength(3);
    expect(script.metadata?.startedAt).toEqual(new Date('2026-03-02T15:15:02Z'));
  });

  it('names every problem with its path when the script is not valid', () => {
    let caught: unknown;
    try {
      parseCallScript({
        language: 'fr',
        agent: { voice: 'bad voice!' },
        turns: [{ party: 'agent', dtmf: '12x' }, { party: 'boss', text: 'hola' }, { pause: -1 }],
      });
    } catch (error) {
      caught = error;
    }
    expect(isEscuchaError(caught, 'BAD_REQUEST')).toBe(true);
    const message = (caught as Error).message;
    expect(message).toMatch(/language/);
    expect(message).toMatch(/agent\.voice/);
    expect(message).toMatch(/turns\.0/);
    expect(message).toMatch(/turns\.1/);
    expect(message).toMatch(/turns\.2/);
  });

  it('refuses a script without turns and unknown fields', () => {
    expect(() => parseCallScript({ language: 'en', turns: [] })).toThrow(/turns/);
    expect(() => parseCallScript({ language: 'en', turns: [{ pause: 1 }], extra: true })).toThrow(/extra/);
  });
});

describe(loadCallScript.name, () => {
  it('reads a JSON file and reports a file that is not JSON', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'escucha-script-'));
    try {
      const good = path.join(dir, 'good.json');
      await writeFile(good, JSON.stringify({ language: 'en', turns: [{ party: 'agent', text: 'hello' }] }));
      expect((await loadCallScript(good)).language).toBe('en');
      const bad = path.join(dir, 'bad.json');
      await writeFile(bad, '{ language: en');
      await expect(loadCallScript(bad)).rejects.toThrow(/not JSON/);
      await expect(loadCallScript(path.join(dir, 'missing.json'))).rejects.toThrow(/cannot read/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
