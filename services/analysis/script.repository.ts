import { callLanguageSql } from '../../models/language.ts';
import { scriptSchema, type Script } from '../analytics/index.ts';
import type { Db } from '../platform/database.ts';
import { lockLatestVersion, versionRow, versionRows } from '../platform/versioned.repository.ts';
import { EscuchaError } from '../platform/errors.ts';
import { isUniqueViolation } from '../archive/call.repository.ts';

/**
 * Adherence scripts (services/analytics/adherence/script.schema.ts), every version kept: an update stores a new
 * version and calls are evaluated against the latest active version of the script for their campaign and language.
 */

export interface ScriptView {
  script: Script;
  active: boolean;
  createdBy: string | null;
  createdAt: string;
}

function toView(r: {
  document: unknown;
  active: boolean;
  created_by: string | null;
  created_at: Date;
}): ScriptView {
  return {
    script: scriptSchema.parse(r.document),
    active: r.active,
    createdBy: r.created_by,
    createdAt: r.created_at.toISOString(),
  };
}

export class ScriptRepository {
  constructor(private readonly db: Db) {}

  /** The latest version of every script (inactive ones only when asked). */
  async list(options: { includeInactive?: boolean } = {}): Promise<ScriptView[]> {
    let q = this.db
      .selectFrom('scripts as s')
      .selectAll('s')
      .where(({ eb, selectFrom }) =>
        eb(
          's.version',
          '=',
          selectFrom('scripts as t')
            .select((e) => e.fn.max('t.version').as('v'))
            .whereRef('t.id', '=', 's.id'),
        ),
      );
    if (!options.includeInactive) q = q.where('s.active', '=', true);
    const rows = await q.orderBy('s.id').execute();
    return rows.map(toView);
  }

  /** Scripts calls are evaluated against: the latest version of each active script. */
  async active(): Promise<Script[]> {
    return (await this.list()).map((v) => v.script);
  }

  async get(id: string, version?: number): Promise<ScriptView> {
    return toView(await versionRow(this.db, 'scripts', 'script', id, version));
  }

  async versions(id: string): Promise<ScriptView[]> {
    return (await versionRows(this.db, 'scripts', 'script', id)).map(toView);
  }

  /** Stores version 1 of a new script; CONFLICT when the id exists. */
  async create(script: Script, createdBy: string): Promise<ScriptView> {
    try {
      await this.insert(this.db, { ...script, version: 1 }, createdBy);
    } catch (error) {
      if (isUniqueViolation(error))
        throw new EscuchaError('CONFLICT', `script ${script.id} exists; PUT a new version`);
      throw error;
    }
    return this.get(script.id, 1);
  }

  /**
   * Stores the next version of a script, made by `next` from its number (inside the transaction that holds the
   * script's latest version); NOT_FOUND when there is no such script.
   */
  async addVersion(id: string, next: (version: number) => Script, createdBy: string): Promise<ScriptView> {
    return this.db.transaction().execute(async (trx) => {
      const latest = await lockLatestVersion(trx, 'scripts', 'script', id);
      const script = next(latest + 1);
      await this.insert(trx, script, createdBy);
      const row = await trx
        .selectFrom('scripts')
        .selectAll()
        .where('id', '=', id)
        .where('version', '=', script.version)
        .executeTakeFirstOrThrow();
      return toView(row);
    });
  }

  /** Retires a script: its versions stay for the calls evaluated with them, new calls no longer use it. */
  async deactivate(id: string): Promise<void> {
    const r = await this.db
      .updateTable('scripts')
      .set({ active: false })
      .where('id', '=', id)
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) === 0) throw new EscuchaError('NOT_FOUND', `no script ${id}`);
  }

  /** Calls to evaluate again with a script: its campaigns (any for "*") and language, most recent first. */
  async callsFor(script: Script, options: { from?: Date; to?: Date; limit: number }): Promise<string[]> {
    let q = this.db
      .selectFrom('calls')
      .select('calls.id')
      .where((eb) =>
        eb.or([
          eb('calls.language', '=', script.language),
          eb(callLanguageSql('calls.language'), '=', script.language),
        ]),
      );
    if (!script.campaigns.includes('*')) q = q.where('calls.campaign', 'in', script.campaigns);
    if (options.from) q = q.where('calls.started_at', '>=', options.from);
    if (options.to) q = q.where('calls.started_at', '<', options.to);
    const rows = await q.orderBy('calls.started_at', 'desc').limit(options.limit).execute();
    return rows.map((r) => r.id);
  }

  private async insert(executor: Db, script: Script, createdBy: string): Promise<void> {
    await executor
      .insertInto('scripts')
      .values({
        id: script.id,
        version: script.version,
        name: script.name,
        language: script.language,
        campaigns: script.campaigns,
        document: JSON.stringify(script),
        created_by: createdBy,
      })
      .execute();
  }
}
