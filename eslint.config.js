// Lint: typescript-eslint's recommended rules, plus the one architectural rule of the README:
// a folder of src/ imports only the folders below it (layers listed top to bottom).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const LAYERS = [
  ['bin'],
  ['http', 'admin', 'worker', 'agent', 'client'],
  ['sync', 'alerts', 'metrics'],
  ['webhooks'],
  ['queue'],
  ['erp'],
  ['security'],
  ['db'],
  ['config', 'core', 'contract'],
];

/** For each folder: imports of its own layer's siblings and of every layer above it are errors. */
const boundaries = LAYERS.flatMap((layer, i) =>
  layer.map((folder) => {
    // The Hub's client ships to other codebases: it may use the API contract and nothing else.
    const forbidden =
      folder === 'client'
        ? LAYERS.flat().filter((f) => f !== 'client' && f !== 'contract')
        : [...LAYERS.slice(0, i).flat(), ...layer.filter((f) => f !== folder)];
    return {
      files: [`src/${folder}/**/*.ts`],
      rules: {
        'no-restricted-imports': [
          'error',
          {
            patterns: [
              {
                regex: `^(\\.\\./)+(${forbidden.join('|')})/`,
                message: `src/${folder} sits below ${forbidden.join(', ')} (README, "Architecture"): move the shared piece down instead.`,
              },
            ],
          },
        ],
      },
    };
  }),
).filter((c) => LAYERS[0].every((top) => !c.files[0].startsWith(`src/${top}/`)));

export default tseslint.config(
  {
    ignores: [
      'node_modules/**',
      'dist/**',
      'coverage/**',
      '.tap/**',
      '.data/**',
      'scratch/**',
      'src/console/vendor/**',
      'test/artifacts/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        Buffer: 'readonly',
        console: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        fetch: 'readonly',
        AbortController: 'readonly',
        AbortSignal: 'readonly',
        TextDecoder: 'readonly',
        TextEncoder: 'readonly',
        crypto: 'readonly',
        structuredClone: 'readonly',
        queueMicrotask: 'readonly',
        setImmediate: 'readonly',
        Response: 'readonly',
        Request: 'readonly',
        Headers: 'readonly',
        URLSearchParams: 'readonly',
        document: 'readonly',
        window: 'readonly',
        performance: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-control-regex': 'off', // NUL and control characters are matched on purpose at the input boundary
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
    },
  },
  // The console's browser modules (src/console, served as they are).
  {
    files: ['src/console/**/*.js'],
    languageOptions: { globals: { localStorage: 'readonly', location: 'readonly', Node: 'readonly', Intl: 'readonly' } },
  },
  // Tests read JSON answers of any shape: `any` is allowed there, not in src/.
  { files: ['test/**/*.ts', 'bench/**/*.ts'], rules: { '@typescript-eslint/no-explicit-any': 'off' } },
  ...boundaries,
  // Routes validate, call and shape: their SQL lives in src/db (or the module that owns the table).
  {
    files: ['src/http/routes/**/*.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "ImportDeclaration[source.value='kysely'] ImportSpecifier[imported.name='sql']",
          message: 'Routes do not write SQL: put the query in src/db/ (or the owning module) and call it.',
        },
        {
          selector:
            'CallExpression[callee.property.name=/^(selectFrom|selectNoFrom|insertInto|updateTable|deleteFrom|mergeInto|replaceInto)$/]',
          message: 'Routes do not write SQL: put the query in src/db/ (or the owning module) and call it.',
        },
      ],
    },
  },
);
