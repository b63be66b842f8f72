import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const SQL_ONLY_IN_REPOSITORIES =
  'Only repositories hold SQL: a router parses input and calls a service, a service decides and calls repositories ' +
  '(*.repository.ts), which are the only modules that build queries';

export default tseslint.config(
  { ignores: ['node_modules/**', 'var/**', 'dist/**', 'services/web/dist/**', 'test/fixtures/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error',
      'no-restricted-properties': [
        'error',
        {
          object: 'process',
          property: 'env',
          message: 'Read configuration through services/platform/config.ts',
        },
      ],
    },
  },
  {
    // The addon's build script runs at install time, before any configuration exists.
    files: [
      'services/cli/**',
      'bin/**',
      'test/**',
      'tools/**',
      'services/platform/config.ts',
      'services/capture/native/build.js',
    ],
    rules: { 'no-console': 'off', 'no-restricted-properties': 'off' },
  },
  {
    // Routers and services never touch the database themselves: no kysely (its sql tag and query builders; types for
    // a repository's transaction hooks are fine) and no database handle.
    // In the domain folders every module but a repository follows it, whatever its name.
    files: [
      'services/**/*.router.ts',
      'services/**/*.service.ts',
      'services/api/**/*.ts',
      'services/review/**/*.ts',
      'services/analysis/**/*.ts',
      'services/transcripts/**/*.ts',
      'services/access/**/*.ts',
    ],
    ignores: ['**/*.repository.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'kysely', message: SQL_ONLY_IN_REPOSITORIES, allowTypeImports: true }],
          patterns: [
            { group: ['**/platform/database.ts'], importNames: ['Db'], message: SQL_ONLY_IN_REPOSITORIES },
          ],
        },
      ],
    },
  },
  {
    // A principal's call scope as SQL conditions, which repositories apply to their queries: kept beside `inScope`,
    // the same rule in memory, so that the two are changed together.
    files: ['services/access/call-scope.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': 'off' },
  },
);
