import { sql, type RawBuilder } from 'kysely';

/** ISO 639 code, then region or script subtags ("es", "es-CO", "ES_co", "spa"). */
const LANGUAGE_TAG = /^([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]+)*$/;

/**
 * The language of a call as Escucha keeps it: the ISO 639-1 code alone, lower case ("es-CO" and "ES" are "es"), so
 * that search, model choice, stemming and review queues agree. The one place this is decided.
 */
export function callLanguage(value: string | null | undefined): string | null {
  const m = LANGUAGE_TAG.exec((value ?? '').trim());
  return m ? m[1]!.toLowerCase() : null;
}

/**
 * callLanguage in SQL, for queries over a column of languages (`calls.language`): the same pattern, so a row stored
 * as "es-CO" counts as "es" in a scope or a script's language. Null where callLanguage gives null.
 */
export function callLanguageSql(column: string): RawBuilder<string | null> {
  return sql<string | null>`lower(substring(btrim(${sql.ref(column)}) from ${LANGUAGE_TAG.source}))`;
}
