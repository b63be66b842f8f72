import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callLanguage, callLanguageSql } from '../../../models/language.ts';
import { createTestDatabase, type TestDatabase } from '../../support/database.ts';

/** Scopes and script re-evaluation filter calls by language in SQL: the same language callLanguage gives. */
describe(callLanguageSql.name, () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  }, 120_000);
  afterAll(async () => {
    await database?.drop();
  });

  it.each(['es', 'es-CO', 'EN_us', ' pt ', 'spa', 'zh-Hant-TW', '', 'spanish!', 'e', null])(
    'reads %j as callLanguage does',
    async (value) => {
      const result = await sql<{ language: string | null }>`
        SELECT ${callLanguageSql('t.stored')} AS language FROM (SELECT ${value}::text AS stored) AS t`.execute(
        database.handle.db,
      );
      expect(result.rows[0]!.language).toBe(callLanguage(value));
    },
  );
});
