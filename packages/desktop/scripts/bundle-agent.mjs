#!/usr/bin/env node
// Bundles the local agent (pnc-agent) into one file over tsc's dist/core/agent/agent-cli.js:
// loading ~400 modules one by one cost the agent most of its start (module resolution, reads,
// linking); one file starts in about half the CPU time. Native modules stay outside.
// Modules that find files next to themselves (import.meta.url) keep finding them: each one's
// import.meta.url is rewritten to its own place in dist/, relative to the bundle.
import { readFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const pkg = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(pkg, 'src');
const outfile = process.argv[2] ?? join(pkg, 'dist/core/agent/agent-cli.js');
const outDir = join(pkg, 'dist/core/agent');

const ownUrls = {
  name: 'own-import-meta-url',
  setup(b) {
    b.onLoad({ filter: /[\\/]src[\\/]core[\\/].*\.ts$/ }, async (args) => {
      const text = await readFile(args.path, 'utf8');
      if (!text.includes('import.meta.url')) return undefined;
      const inDist = join(pkg, 'dist', relative(src, args.path)).replace(/\.ts$/, '.js');
      const rel = relative(outDir, inDist).split(sep).join('/');
      return {
        contents: text.replaceAll('import.meta.url', `new URL(${JSON.stringify(rel)}, import.meta.url).href`),
        loader: 'ts',
      };
    });
  },
};

await build({
  entryPoints: [join(src, 'core/agent/agent-cli.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // Native addons load from node_modules as usual.
  external: ['usb', 'drivelist'],
  // CommonJS dependencies inside an ES module bundle still call require.
  banner: { js: "import { createRequire as __pncRequire } from 'node:module';\nconst require = __pncRequire(import.meta.url);" },
  plugins: [ownUrls],
  // Less to read and parse at each start; names are kept for readable stack traces.
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: 'warning',
});
