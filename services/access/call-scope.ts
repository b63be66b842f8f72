import { sql, type Expression, type ExpressionBuilder, type SqlBool } from 'kysely';
import type { Database } from '../../models/database.ts';
import { callLanguageSql } from '../../models/language.ts';
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

/** What a call's access is decided from (CallQueryRepository.accessFacts); undefined when there is no such call. */
export interface CallAccessRow {
  agentId: string | null;
  team: string | null;
  language: string | null;
  hasRedacted: boolean;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether a principal may see one call, with what the audit needs to know about it. */
export function callAccessOf(
  principal: Principal | undefined,
  row: CallAccessRow | undefined,
): CallAccessFacts {
  if (!row) return { exists: false, inScope: false, hasRedacted: false };
  const scope = principal ? callScopeOf(principal) : { agentId: null };
  return {
    exists: true,
    inScope: inScope(scope, { agentId: row.agentId, language: row.language, team: row.team }),
    hasRedacted: row.hasRedacted,
  };
}

/** Whether a principal may see a call, looked up by id: what services are given, never the database itself. */
export type CallAccessLookup = (principal: Principal | undefined, callId: string) => Promise<CallAccessFacts>;

/** The lookup over a repository's facts of one call (a call id that is not a UUID names no call). */
export function callAccessLookup(
  find: (callId: string) => Promise<CallAccessRow | undefined>,
): CallAccessLookup {
  return async (principal, callId) =>
    callAccessOf(principal, UUID.test(callId) ? await find(callId) : undefined);
}
