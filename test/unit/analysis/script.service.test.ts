import { describe, expect, it } from 'vitest';
import type { ScriptRepository } from '../../../services/analysis/script.repository.ts';
import { ScriptService } from '../../../services/analysis/script.service.ts';
import { DEFAULT_SCRIPTS } from '../../../services/analytics/index.ts';

const builtIn = DEFAULT_SCRIPTS[0]!;

/** A repository that fails the test if the service reaches it. */
const untouched = new Proxy({} as ScriptRepository, {
  get: (_t, name) => () => {
    throw new Error(`the repository was asked to ${String(name)}`);
  },
});

describe(ScriptService.name, () => {
  it('lists and reads the built-in scripts but never stores over them', async () => {
    const scripts = new ScriptService({ scripts: untouched });
    expect(await scripts.get(builtIn.id)).toEqual({ script: builtIn, active: true, builtIn: true });
    await expect(scripts.create({ id: builtIn.id }, 'user:u1')).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(scripts.update(builtIn.id, {}, 'user:u1')).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(scripts.retire(builtIn.id)).rejects.toMatchObject({ code: 'CONFLICT' });
  });

  it('refuses an invalid script before storing it, naming the field', async () => {
    const scripts = new ScriptService({ scripts: untouched });
    await expect(scripts.create({ id: 'mine', name: 'Mine' }, 'user:u1')).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringMatching(/^invalid script: /),
    });
  });

  it('re-evaluates through the job queue, and says so when the process has none', async () => {
    const queued: unknown[] = [];
    const scripts = new ScriptService({
      scripts: untouched,
      enqueue: async (stage, payload) => queued.push([stage, payload]),
    });
    const ids = ['11111111-1111-4111-8111-111111111111'];
    expect(await scripts.reevaluate(builtIn.id, { callIds: ids, limit: 10 })).toEqual({
      script: `${builtIn.id}@${builtIn.version}`,
      queued: 1,
    });
    expect(queued).toEqual([['analytics', { callId: ids[0], rerun: true }]]);
    await expect(
      new ScriptService({ scripts: untouched }).reevaluate(builtIn.id, { callIds: ids, limit: 10 }),
    ).rejects.toMatchObject({ code: 'INTERNAL' });
  });
});
