import { access } from 'node:fs/promises';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RetentionScheduler } from '../../../services/api/retention/retention.scheduler.ts';
import { silentLogger } from '../../../services/platform/logger.ts';
import {
  addUser,
  createAccountsTestApi,
  login,
  uploadCall,
  type AccountsTestApi,
  type Session,
} from './web-support.ts';

const OLD = '2020-01-15T10:00:00Z';
const TRANSCRIPT = {
  language: 'es',
  segments: [{ party: 'agent', startMs: 0, endMs: 1000, text: 'buenos días' }],
};

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

describe('retention and legal holds', () => {
  let api: AccountsTestApi;
  let compliance: Session;
  const ids = {} as Record<'A' | 'B' | 'C' | 'D' | 'E' | 'F', string>;
  let keyOfA: string;

  beforeAll(async () => {
    api = await createAccountsTestApi();
    compliance = await login(api.app, await addUser(api, 'compliance_officer'));
    ids.A = await uploadCall(api, { startedAt: OLD, campaign: 'early' }, { transcript: TRANSCRIPT });
    ids.B = await uploadCall(api, { startedAt: OLD, campaign: 'early', disposition: 'LEGAL' });
    ids.C = await uploadCall(api, { startedAt: OLD, campaign: 'early' });
    ids.D = await uploadCall(api, { startedAt: OLD, campaign: 'early', customerRef: 'CUST-HOLD' });
    ids.E = await uploadCall(api, { campaign: 'early' });
    ids.F = await uploadCall(api, { startedAt: OLD, campaign: 'other' });
    keyOfA = (
      await api.database.handle.db
        .selectFrom('recordings')
        .select('object_key')
        .where('call_id', '=', ids.A)
        .executeTakeFirstOrThrow()
    ).object_key;
  });
  afterAll(async () => {
    await api.close();
  });

  const post = (url: string, body: unknown) =>
    compliance.agent
      .post(url)
      .set('X-CSRF-Token', compliance.csrf)
      .send(body as object);

  it('manages policies and holds, each change audited', async () => {
    const early = await post('/api/v1/retention/policies', {
      name: 'early: 30 days',
      campaign: 'early',
      maxAgeDays: 30,
      action: 'delete',
    });
    expect(early.status).toBe(201);
    const legal = await post('/api/v1/retention/policies', {
      name: 'legal: keep',
      disposition: 'LEGAL',
      action: 'keep',
    });
    expect(legal.status).toBe(201);
    const bad = await post('/api/v1/retention/policies', { name: 'no age', action: 'delete' });
    expect(bad.status).toBe(400);
    expect((await post('/api/v1/legal-holds', { callId: ids.C, reason: 'lawsuit 2024-118' })).status).toBe(
      201,
    );
    const saved = await post('/api/v1/saved-searches', {
      name: 'customer in dispute',
      query: { customerRef: 'CUST-HOLD' },
    });
    expect(saved.status).toBe(201);
    const hold = await post('/api/v1/legal-holds', {
      savedSearchId: saved.body.id,
      reason: 'regulator request',
    });
    expect(hold.status).toBe(201);
    expect(hold.body.query).toEqual({ customerRef: 'CUST-HOLD' });
    const audit = await api.accounts.audit.list({
      actions: ['retention_policy_create', 'legal_hold_create'],
      limit: 10,
    });
    expect(audit.items.map((e) => e.action).sort()).toEqual([
      'legal_hold_create',
      'legal_hold_create',
      'retention_policy_create',
      'retention_policy_create',
    ]);
  });

  it('previews a run without deleting anything', async () => {
    const res = await post('/api/v1/retention/run', { dryRun: true });
    expect(res.status).toBe(200);
    expect(res.body.deleted.map((d: { callId: string }) => d.callId)).toEqual([ids.A]);
    expect(res.body.held.map((d: { callId: string }) => d.callId).sort()).toEqual([ids.C, ids.D].sort());
    expect(await exists(path.join(api.storeDir, keyOfA))).toBe(true);
    const left = await api.database.handle.db.selectFrom('calls').select('id').execute();
    expect(left).toHaveLength(6);
  });

  it('deletes expired calls with their objects and transcripts, leaving an audited tombstone', async () => {
    const res = await post('/api/v1/retention/run', { dryRun: false });
    expect(res.status).toBe(200);
    expect(res.body.deleted).toEqual([{ callId: ids.A, policy: 'early: 30 days', objects: 1 }]);
    expect(res.body.failed).toEqual([]);
    const db = api.database.handle.db;
    expect(
      await db.selectFrom('calls').select('id').where('id', '=', ids.A).executeTakeFirst(),
    ).toBeUndefined();
    expect(await db.selectFrom('recordings').select('id').where('call_id', '=', ids.A).execute()).toEqual([]);
    expect(
      await db.selectFrom('transcript_segments').select('id').where('call_id', '=', ids.A).execute(),
    ).toEqual([]);
    expect(await exists(path.join(api.storeDir, keyOfA))).toBe(false);
    const tombstone = await db
      .selectFrom('call_tombstones')
      .selectAll()
      .where('call_id', '=', ids.A)
      .executeTakeFirstOrThrow();
    expect(tombstone).toMatchObject({
      campaign: 'early',
      policy_name: 'early: 30 days',
      object_keys: [keyOfA],
    });
    expect(tombstone.objects_deleted_at).not.toBeNull();
    const events = await api.accounts.audit.list({ actions: ['retention_delete'], callId: ids.A, limit: 5 });
    expect(events.items).toHaveLength(1);
    expect(events.items[0]!.details).toMatchObject({ policy: 'early: 30 days', objectKeys: [keyOfA] });
    for (const kept of ['B', 'C', 'D', 'E', 'F'] as const) {
      expect(
        await db.selectFrom('calls').select('id').where('id', '=', ids[kept]).executeTakeFirst(),
        kept,
      ).toBeDefined();
    }
    const tombstones = await compliance.agent.get('/api/v1/retention/tombstones');
    expect(tombstones.body.items.map((t: { callId: string }) => t.callId)).toEqual([ids.A]);
    expect((await api.accounts.audit.verify()).ok).toBe(true);
  });

  it('refuses, in the database, to delete a call under a legal hold', async () => {
    await expect(sql`DELETE FROM calls WHERE id = ${ids.C}`.execute(api.database.handle.db)).rejects.toThrow(
      /legal hold/,
    );
  });

  it('deletes a held call once the hold is released', async () => {
    const holds = await compliance.agent.get('/api/v1/legal-holds');
    const hold = holds.body.items.find((h: { callId: string | null }) => h.callId === ids.C);
    const released = await post(`/api/v1/legal-holds/${hold.id}/release`, { reason: 'case closed' });
    expect(released.status).toBe(200);
    expect(released.body.releasedAt).not.toBeNull();
    const res = await post('/api/v1/retention/run', { dryRun: false });
    expect(res.body.deleted.map((d: { callId: string }) => d.callId)).toEqual([ids.C]);
    expect(res.body.held.map((d: { callId: string }) => d.callId)).toEqual([ids.D]);
    const release = await api.accounts.audit.list({ actions: ['legal_hold_release'], limit: 1 });
    expect(release.items[0]!.details).toEqual({ reason: 'case closed' });
  });

  it('runs on its own timer, as `escucha serve` does once a day, as the system actor', async () => {
    const scheduler = new RetentionScheduler(api.accounts.retention, silentLogger(), {
      intervalMs: 24 * 60 * 60_000,
      firstDelayMs: 10,
    });
    scheduler.start();
    await expect
      .poll(
        async () =>
          (await api.accounts.audit.list({ actions: ['retention_run'], actor: 'retention', limit: 5 })).items,
      )
      .toHaveLength(1);
    await scheduler.stop();
    const run = (await api.accounts.audit.list({ actions: ['retention_run'], actor: 'retention', limit: 1 }))
      .items[0]!;
    expect(run).toMatchObject({
      actorType: 'system',
      actorName: 'retention scheduler',
      details: { held: 1, failed: 0 },
    });
  });
});
