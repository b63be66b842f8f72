import { sql, type Expression, type ExpressionBuilder, type SqlBool } from 'kysely';
import type { Database } from '../../../models/database.ts';
import { callLanguageSql } from '../../../models/language.ts';
import type { Db } from '../../platform/database.ts';
import { callScopeOf, inScope, type Principal } from './principal.ts';

type CallsEb = ExpressionBuilder<Database, 'calls'>;

/** SQL conditions on `calls` that keep a principal's searches inside their scope (none when unrestricted). */
export function scopeConditions(principal: Principal | undefined): (eb: CallsEb) => Expression<SqlBool>[] {
  const scope = principal ? callScopeOf(principal) : { agentId: null };
  return (eb) => {
    if (!scope) return [];
    const and: Expression<SqlBool>[] = [];
    if (scope.agentId !== undefined) {
      and.push(scope.agentId === null ? sql<SqlBool>`false` : eb('calls.agent_id', '=', scope.agentId));
    }
    if (scope.languages) {
      and.push(
        eb.or([
          eb('calls.language', 'in', scope.languages),
          eb(callLanguageSql('calls.language'), 'in', scope.languages),
        ]),
      );
    }
    if (scope.teams) and.push(eb('calls.team', 'in', scope.teams));
    return and;
  };
}

export interface CallAccessFacts {
  exists: boolean;
  inScope: boolean;
  hasRedacted: boolean;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether a principal may see one call, with what the audit needs to know about it. */
export async function callAccess(
  db: Db,
  principal: Principal | undefined,
  callId: string,
): Promise<CallAccessFacts> {
  if (!UUID.test(callId)) return { exists: false, inScope: false, hasRedacted: false };
  const row = await db
    .selectFrom('calls')
    .select((eb) => [
      'calls.agent_id',
      'calls.team',
      'calls.language',
      eb
        .exists(
          eb
            .selectFrom('recordings')
            .select('recordings.id')
            .whereRef('recordings.call_id', '=', 'calls.id')
            .where('recordings.kind', '=', 'redacted'),
        )
        .as('has_redacted'),
    ])
    .where('calls.id', '=', callId)
    .executeTakeFirst();
  if (!row) return { exists: false, inScope: false, hasRedacted: false };
  const scope = principal ? callScopeOf(principal) : { agentId: null };
  return {
    exists: true,
    inScope: inScope(scope, { agentId: row.agent_id, language: row.language, team: row.team }),
    hasRedacted: Boolean(row.has_redacted),
  };
}

/** `callAccess` over one database: what services are given, so that they never hold the database itself. */
export type CallAccessLookup = (principal: Principal | undefined, callId: string) => Promise<CallAccessFacts>;

export function callAccessLookup(db: Db): CallAccessLookup {
  return (principal, callId) => callAccess(db, principal, callId);
}
