import { createHash, randomBytes } from 'node:crypto';
import { API_ROLES, type ApiRole } from '../../../models/database.ts';
import type { Db } from '../../platform/database.ts';
import { EscuchaError } from '../../platform/errors.ts';
import { defaultKeyScopes, KEY_SCOPES, type KeyScope } from './access.policy.ts';
import type { Principal } from '../../access/principal.ts';

export type { Principal };

/**
 * API keys: `esk_<prefix>_<secret>`, 190 random bits. Only the sha256 is stored (a fast hash is right for
 * high-entropy secrets); the prefix identifies a key in lists and logs without revealing it.
 */

export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export function isApiRole(value: string): value is ApiRole {
  return (API_ROLES as readonly string[]).includes(value);
}

export class ApiKeyRepository {
  constructor(private readonly db: Db) {}

  /**
   * A new key. `scopes` limits it within its role (default: `recordings:write` for ingest keys, the whole role for
   * the others); `teams` and `languages` limit the calls it sees, as for users.
   */
  async create(
    role: string,
    name: string,
    options: { scopes?: readonly string[]; teams?: readonly string[]; languages?: readonly string[] } = {},
  ): Promise<{ id: string; key: string; prefix: string; scopes: KeyScope[] | null }> {
    if (!isApiRole(role)) {
      throw new EscuchaError('BAD_REQUEST', `unknown role "${role}"; roles: ${API_ROLES.join(', ')}`);
    }
    const unknown = (options.scopes ?? []).filter((x) => !(KEY_SCOPES as readonly string[]).includes(x));
    if (unknown.length > 0) {
      throw new EscuchaError(
        'BAD_REQUEST',
        `unknown scope ${unknown.join(', ')}; scopes: ${KEY_SCOPES.join(', ')}`,
      );
    }
    const scopes = options.scopes ? [...new Set(options.scopes as KeyScope[])] : defaultKeyScopes(role);
    const prefix = randomBytes(4).toString('hex');
    const key = `esk_${prefix}_${randomBytes(24).toString('base64url')}`;
    const row = await this.db
      .insertInto('api_keys')
      .values({
        name,
        prefix,
        key_hash: hashKey(key),
        role,
        scopes,
        teams: [...(options.teams ?? [])],
        languages: [...(options.languages ?? [])],
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return { id: row.id, key, prefix, scopes };
  }

  async authenticate(key: string): Promise<Principal | undefined> {
    if (!/^esk_[0-9a-f]{8}_[A-Za-z0-9_-]{32}$/.test(key)) return undefined;
    const row = await this.db
      .selectFrom('api_keys')
      .select(['id', 'name', 'role', 'last_used_at', 'scopes', 'teams', 'languages'])
      .where('key_hash', '=', hashKey(key))
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    if (!row) return undefined;
    // Record use at most once a minute per key: a write per request would cost more than the request.
    if (!row.last_used_at || Date.now() - row.last_used_at.getTime() > 60_000) {
      await this.db
        .updateTable('api_keys')
        .set({ last_used_at: new Date() })
        .where('id', '=', row.id)
        .execute();
    }
    return {
      kind: 'key',
      id: row.id,
      keyId: row.id,
      name: row.name,
      role: row.role,
      languages: row.languages,
      teams: row.teams,
      agentId: null,
      scopes: row.scopes,
    };
  }

  async list(): Promise<
    {
      id: string;
      name: string;
      prefix: string;
      role: ApiRole;
      createdAt: Date;
      revoked: boolean;
      scopes: string[] | null;
      teams: string[];
      languages: string[];
    }[]
  > {
    const rows = await this.db.selectFrom('api_keys').selectAll().orderBy('created_at').execute();
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      prefix: r.prefix,
      role: r.role,
      createdAt: r.created_at,
      revoked: r.revoked_at !== null,
      scopes: r.scopes,
      teams: r.teams,
      languages: r.languages,
    }));
  }

  async revoke(prefix: string): Promise<boolean> {
    const res = await this.db
      .updateTable('api_keys')
      .set({ revoked_at: new Date() })
      .where('prefix', '=', prefix)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }
}
