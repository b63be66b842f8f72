import js from '@eslint/js';
import tseslint from 'typescript-eslint';

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
      'services/platform/config.ts',
      'services/capture/native/build.js',
    ],
    rules: { 'no-console': 'off', 'no-restricted-properties': 'off' },
  },
);
