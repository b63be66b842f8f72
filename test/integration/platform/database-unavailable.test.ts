import net from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isDatabaseUnavailable, retryWhileUnavailable } from '../../../services/platform/database.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';

/** Which real PostgreSQL failures count as "the database is unavailable" (503, wait and retry) and which do not. */
describe('isDatabaseUnavailable on real failures', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database.drop();
  });

  async function closedPort(): Promise<number> {
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    await new Promise<void>((r) => server.close(() => r()));
    return port;
  }

  it('a server that refuses connections is unavailable', async () => {
    const pool = new pg.Pool({ host: '127.0.0.1', port: await closedPort(), user: 'x', database: 'x' });
    const error = await pool.query('select 1').catch((e: unknown) => e);
    await pool.end();
    expect(error).toBeInstanceOf(Error);
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it('a connection the server terminates is unavailable', async () => {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    client.on('error', () => undefined);
    const { rows } = await client.query<{ pid: number }>('select pg_backend_pid() as pid');
    await database.handle.pool.query('select pg_terminate_backend($1)', [rows[0]!.pid]);
    const error = await client.query('select 1').catch((e: unknown) => e);
    await client.end().catch(() => undefined);
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it('a pooled connection the server ends while it is checked out does not end the process', async () => {
    const client = await database.handle.pool.connect();
    const pid = (await client.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid;
    // Ended between two queries, as a PostgreSQL restart does: the client gets the FATAL message with no query
    // running. Without a listener on the client that 'error' event would be thrown out of the socket's callback.
    const other = new pg.Client({ connectionString: database.url });
    await other.connect();
    await other.query('select pg_terminate_backend($1)', [pid]);
    await other.end();
    await new Promise((r) => setTimeout(r, 300));
    const error = await client.query('select 1').catch((e: unknown) => e);
    expect(isDatabaseUnavailable(error)).toBe(true);
    client.release(true);
    expect((await database.handle.pool.query('select 1 as ok')).rows[0]).toEqual({ ok: 1 });
  });

  it('bad queries and values the database refuses are not', async () => {
    const syntax = await database.handle.pool.query('selec 1').catch((e: unknown) => e);
    const nul = await database.handle.pool.query('select $1::text', ['a\u0000b']).catch((e: unknown) => e);
    const uuid = await database.handle.pool.query('select $1::uuid', ['not-a-uuid']).catch((e: unknown) => e);
    for (const error of [syntax, nul, uuid]) {
      expect(error).toBeInstanceOf(Error);
      expect(isDatabaseUnavailable(error)).toBe(false);
    }
  });

  it('retryWhileUnavailable waits out unavailability and passes other errors through at once', async () => {
    let calls = 0;
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    const value = await retryWhileUnavailable(
      async () => {
        calls++;
        if (calls < 2) throw refused;
        return 'landed';
      },
      { giveUpMs: 10_000 },
    );
    expect(value).toBe('landed');
    expect(calls).toBe(2);
    let other = 0;
    const bad = Object.assign(new Error('syntax error'), { code: '42601' });
    await expect(
      retryWhileUnavailable(
        async () => {
          other++;
          throw bad;
        },
        { giveUpMs: 10_000 },
      ),
    ).rejects.toBe(bad);
    expect(other).toBe(1);
  });
});
