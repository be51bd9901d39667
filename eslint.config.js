// Lint rules, including the package boundaries of docs/DESIGN (shared imports nothing of ours;
// the renderer only sees the typed desktop API; the desktop core never imports Electron).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

const nodeBuiltins = ['node:*', 'fs', 'fs/*', 'path', 'os', 'child_process', 'crypto', 'http', 'https', 'net', 'stream', 'stream/*', 'util', 'events', 'url', 'zlib', 'dgram', 'dns', 'worker_threads'];

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/reports/**', '**/test-results/**', '**/*.config.*', '**/public/**', 'scripts/**', 'bench/**', '.ci/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.tsx'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
      globals: { ...globals.node },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { attributes: false } }],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-control-regex': 'off',
    },
  },
  {
    files: ['packages/shared/src/**/*.ts'],
    languageOptions: { globals: {} },
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: nodeBuiltins, message: 'packages/shared is isomorphic: no Node modules.' },
          { group: ['@pnc/*', 'electron', 'react', 'react-dom', 'axios', '../../*'], message: 'packages/shared imports nothing of the other packages.' },
        ],
      }],
    },
  },
  {
    files: ['packages/blob-socket/src/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{ group: ['@pnc/*', '../../*'], message: 'packages/blob-socket is a leaf: the box and the workstation use it, it uses neither.' }],
      }],
    },
  },
  {
    files: ['packages/desktop/src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['electron', 'electron/*', 'electron-updater'], message: 'The desktop core runs in plain Node: no Electron.' },
          { group: ['**/main/*', '**/preload/*', '**/renderer/*'], message: 'The core does not depend on the Electron shell or the UI.' },
        ],
      }],
    },
  },
  {
    files: ['packages/desktop/src/renderer/**/*.ts', 'packages/desktop/src/renderer/**/*.tsx'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: nodeBuiltins, message: 'The renderer has no Node access: use the typed desktop API.' },
          { group: ['electron', 'electron/*', 'axios', 'drivelist', 'usb', 'tuf-js', 'fastify'], message: 'The renderer only talks to the typed desktop API.' },
          { group: ['**/core/**', '**/core', '**/main/**', '**/preload/**'], message: 'The renderer only talks to the typed desktop API (from @pnc/shared).' },
        ],
      }],
    },
  },
  {
    files: ['packages/desktop/src/preload/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{ group: ['**/core/**', '**/renderer/**', 'node:*', 'fs', 'child_process'], message: 'The preload only exposes the typed desktop API.' }],
      }],
    },
  },
);
