// ESLint flat config: typescript-eslint with type information, plus the import boundaries of
// ARCHITECTURE.md ("Dependency direction"), enforced with no-restricted-imports regexes.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

// kernel <- keys <- audit <- access <- identity <- devices <- patients <- telemetry <- alerts <- incidents
const CHAIN = ['kernel', 'keys', 'audit', 'access', 'identity', 'devices', 'patients', 'telemetry', 'alerts', 'incidents'];
// Modules outside the chain, and what they may import.
const SIDE = {
  config: ['kernel'],
  observability: ['kernel'],
  updates: ['kernel', 'keys', 'audit', 'access'],
  backup: ['kernel', 'keys', 'audit', 'access'],
  // FHIR R4 read side: mappings and the ports it reads clinical data through.
  fhir: ['kernel', 'keys', 'audit', 'access', 'identity', 'devices', 'patients', 'telemetry'],
  compliance: null, // read-only views of the others: any module's index
  jobs: null,
};
const ALL = [...CHAIN, ...Object.keys(SIDE)];

const SERVER = 'packages/server/src';
const onlyIndex = {
  regex: '^(\\.\\./)+[a-z-]+/(?!index\\.js$).+',
  message: "Import another module only through its index.ts (ARCHITECTURE.md §1).",
};
const noInfrastructure = {
  regex: '(^|/)(transports|storage|cli|integration)/|(^|/)(main|cli)\\.js$',
  message: 'Nothing imports transports/, storage/, cli or main.ts: they are wired by the composition root.',
};

function moduleRules(name, allowed) {
  const patterns = [noInfrastructure, onlyIndex];
  if (allowed !== null) {
    const forbidden = ALL.filter((m) => m !== name && !allowed.includes(m));
    if (forbidden.length > 0) {
      patterns.push({
        regex: `^(\\.\\./)+(${forbidden.join('|')})/`,
        message: `${name}/ may import only: ${allowed.join(', ') || 'nothing'} (dependency direction, ARCHITECTURE.md).`,
      });
    }
  }
  return {
    files: [`${SERVER}/${name}/**/*.ts`],
    ignores: [`${SERVER}/${name}/**/*.test.ts`],
    rules: { 'no-restricted-imports': ['error', { patterns }] },
  };
}

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'vigil-data/**', '.bench/**', 'packages/console/vite.config.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.tsx'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-floating-promises': [
        'error',
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'describe', 'it', 'suite', 'before', 'after', 'beforeEach', 'afterEach'] }] },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
      eqeqeq: ['error', 'always'],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: globals.node },
  },
  // @vigil/protocol imports nothing: no packages, no node builtins.
  {
    files: ['packages/protocol/src/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ regex: '^(?!\\.)', message: '@vigil/protocol has zero dependencies and no I/O.' }] }],
    },
  },
  // The console runs in a browser: it imports @vigil/protocol and UI libraries, never server code.
  {
    files: ['packages/console/src/**/*.{ts,tsx}'],
    languageOptions: { globals: globals.browser },
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ regex: '^(@vigil/(server|device-sdk)|node:|(\\.\\./)+(\\.\\./)?(server|device-sdk)/)', message: 'The console imports @vigil/protocol only (trust boundary).' }] },
      ],
    },
  },
  // The device SDK ships to manufacturers: never the server.
  {
    files: ['packages/device-sdk/src/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ regex: '^@vigil/(server|console)', message: 'The device SDK imports @vigil/protocol only.' }] }] },
  },
  // kernel: no I/O, imports no module.
  {
    files: [`${SERVER}/kernel/**/*.ts`],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ regex: '^\\.\\./', message: 'kernel imports no other module.' }] }] },
  },
  // host: operating-system helpers (thread priority, process liveness; I/O, outside the module chain); imports no module.
  {
    files: [`${SERVER}/host/**/*.ts`],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ regex: '^\\.\\./', message: 'host imports no other module.' }] }] },
  },
  ...CHAIN.slice(1).map((name, i) => moduleRules(name, CHAIN.slice(0, i + 1))),
  ...Object.entries(SIDE).map(([name, allowed]) => moduleRules(name, allowed)),
  // transports and storage reach modules only through their index files.
  {
    files: [`${SERVER}/transports/**/*.ts`, `${SERVER}/storage/**/*.ts`],
    ignores: [`${SERVER}/**/*.test.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: `^(\\.\\./)+(${ALL.join('|')})/(?!index\\.js$).+`, message: 'Reach a module only through its index.ts.' },
            { regex: '(^|/)(main|cli)\\.js$', message: 'Nothing imports main.ts or the CLI.' },
          ],
        },
      ],
    },
  },
);
