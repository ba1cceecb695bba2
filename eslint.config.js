import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', URL: 'readonly', AbortController: 'readonly', fetch: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // User values reach shells only through provision/transport/quote.ts; a template literal
      // handed to a shell elsewhere is the bug this rule makes visible in review.
      'no-restricted-syntax': ['error', {
        selector: "CallExpression[callee.name='execSync']",
        message: 'Use argv arrays (execa / Transport.run), never a shell string.',
      }],
    },
  },
);
