import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { NODE_RUNTIME_FLAGS } from '../../../services/platform/runtime-flags.ts';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const read = (file: string) => readFile(path.join(ROOT, file), 'utf8');

describe('Node runtime flags', () => {
  const flags = NODE_RUNTIME_FLAGS.join(' ');

  it('are on the #! line of bin/escucha.js', async () => {
    const first = (await read('bin/escucha.js')).split('\n')[0];
    expect(first).toBe(`#!/usr/bin/env -S node ${flags}`);
  });

  it('are given by every npm script that starts Escucha or its benchmarks', async () => {
    const scripts = JSON.parse(await read('package.json')).scripts as Record<string, string>;
    expect(scripts.start).toBe(`node ${flags} bin/escucha.js serve`);
    expect(scripts.escucha).toBe(`node ${flags} bin/escucha.js`);
    expect(scripts.bench).toBe(`node ${flags} --import tsx test/bench/run.ts`);
  });

  it('are in the container entry point', async () => {
    const entry = /^ENTRYPOINT (\[.*\])$/m.exec(await read('infra/Dockerfile'))![1]!;
    expect(JSON.parse(entry)).toEqual(['tini', '--', 'node', ...NODE_RUNTIME_FLAGS, '/app/bin/escucha.js']);
  });

  it('are flags this Node accepts', async () => {
    const { execFileSync } = await import('node:child_process');
    expect(
      execFileSync(process.execPath, [...NODE_RUNTIME_FLAGS, '-e', 'process.stdout.write("ok")']).toString(),
    ).toBe('ok');
  });
});
