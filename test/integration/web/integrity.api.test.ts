import { open, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { binaryBody } from '../../support/http.ts';
import { createAccountsTestApi, uploadCall, type AccountsTestApi } from './web-support.ts';

/**
 * Stored recordings checked against the sha256 taken at archiving: a recording altered in the store is refused at
 * its next play (not served with the old hash as ETag), recorded in the audit trail and flagged; verification lists
 * it; once restored and verified it plays again.
 */
describe('recording integrity', () => {
  let api: AccountsTestApi;
  let callId: string;
  let file: string;
  let original: Buffer;

  beforeAll(async () => {
    api = await createAccountsTestApi();
    callId = await uploadCall(api, { agentId: 'A1' });
    const row = await api.database.handle.db
      .selectFrom('recordings')
      .select('object_key')
      .where('call_id', '=', callId)
      .executeTakeFirstOrThrow();
    file = path.join(api.storeDir, ...row.object_key.split('/'));
    original = await readFile(file);
  });
  afterAll(async () => {
    await api.close();
  });

  const play = (range?: string) => {
    let r = request(api.app)
      .get(`/api/v1/calls/${callId}/audio`)
      .set('Authorization', `Bearer ${api.adminKey}`);
    if (range) r = r.set('Range', range);
    return r.buffer(true).parse(binaryBody);
  };

  it('plays an intact recording, then refuses it once four bytes are overwritten in place', async () => {
    const ok = await play();
    expect(ok.status).toBe(200);
    expect(Buffer.compare(ok.body as Buffer, original)).toBe(0);
    expect((await play('bytes=0-99')).status).toBe(206);

    const handle = await open(file, 'r+');
    await handle.write(Buffer.from([0xde, 0xad, 0xbe, 0xef]), 0, 4, Math.floor(original.length / 2));
    await handle.close();

    for (const range of [undefined, 'bytes=0-99', 'bytes=-100']) {
      const res = await play(range);
      expect(res.status, range).toBe(500);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(JSON.parse((res.body as Buffer).toString()).error.code).toBe('RECORDING_CORRUPT');
    }
    const row = await api.database.handle.db
      .selectFrom('recordings')
      .select(['integrity_error', 'verified_at'])
      .where('call_id', '=', callId)
      .executeTakeFirstOrThrow();
    expect(row.integrity_error).toMatch(/^mismatch: sha256 [0-9a-f]{64}, archived as [0-9a-f]{64}$/);
    const alerts = await api.accounts.audit.list({ actions: ['integrity_failure'], callId, limit: 10 });
    expect(alerts.items.length).toBeGreaterThanOrEqual(1);
    expect(alerts.items[0]).toMatchObject({
      actorType: 'system',
      targetType: 'recording',
      details: { problem: 'mismatch' },
    });
  });

  it('verification lists the altered recording; restored and verified, it plays again', async () => {
    const other = await uploadCall(api, { agentId: 'A2' });
    const report = await api.accounts.integrity.verify({ all: true });
    expect(report.checked).toBe(2);
    expect(report.problems.map((p) => [p.callId, p.problem])).toEqual([[callId, 'mismatch']]);
    expect(
      (
        await request(api.app)
          .get(`/api/v1/calls/${other}/audio`)
          .set('Authorization', `Bearer ${api.adminKey}`)
      ).status,
    ).toBe(200);

    await writeFile(file, original);
    expect((await play()).status).toBe(500); // still flagged until verified again
    const again = await api.accounts.integrity.verify({ all: true });
    expect(again.problems).toEqual([]);
    const res = await play();
    expect(res.status).toBe(200);
    expect(Buffer.compare(res.body as Buffer, original)).toBe(0);
  });

  it('a recording whose object is gone is reported missing and not played', async () => {
    const gone = await uploadCall(api, { agentId: 'A3' });
    const row = await api.database.handle.db
      .selectFrom('recordings')
      .select('object_key')
      .where('call_id', '=', gone)
      .executeTakeFirstOrThrow();
    await api.store.delete(row.object_key);
    const res = await request(api.app)
      .get(`/api/v1/calls/${gone}/audio`)
      .set('Authorization', `Bearer ${api.adminKey}`);
    expect(res.status, res.text).toBe(500);
    expect(res.body.error?.code, `${res.headers['content-type']} ${res.text}`).toBe('RECORDING_CORRUPT');
    const report = await api.accounts.integrity.verify({ sample: 10 });
    expect(report.problems.map((p) => [p.callId, p.problem])).toEqual([[gone, 'missing']]);
  });
});
