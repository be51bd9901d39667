#!/usr/bin/env node
// Bundles the local agent (pnc-agent) into one file over tsc's dist/core/agent/agent-cli.js:
// loading ~400 modules one by one cost the agent most of its start (module resolution, reads,
// linking); one file starts in about half the CPU time. Native modules stay outside.
// Split at the dynamic imports: the entry (agent-cli.js) holds only what runs before the address is
// printed; the HTTP framework, the shared schemas and the service come in chunks
// (agent-chunk-*.js next to it) loaded after, since compiling JavaScript is what costs here.
// Modules that find files next to themselves (import.meta.url) keep finding them: each one's
// import.meta.url is rewritten to its own place in dist/, relative to the bundle.
import { readdir, readFile, rm } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const pkg = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(pkg, 'src');
const outDir = join(pkg, 'dist/core/agent');
const CHUNK = /^agent-chunk-.*\.js(\.map)?$/;

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

// Chunks of an earlier build would otherwise pile up (their names carry a content hash).
for (const name of await readdir(outDir).catch(() => [])) if (CHUNK.test(name)) await rm(join(outDir, name));

// zod's namespace re-exports its ~50 message locales (a third of the schemas' chunk): the agent
// uses zod's default English messages only, so `z.locales` keeps just `en` here.
const zodEnglishOnly = {
  name: 'zod-english-only',
  setup(b) {
    b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      /[\\/]node_modules[\\/]zod[\\/]v4[\\/]/.test(args.importer)
        ? { path: join(dirname(args.importer), '../locales/en.js'), namespace: 'zod-locales' }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'zod-locales' }, (args) => ({
      contents: `export { default as en } from ${JSON.stringify(args.path)};`,
      resolveDir: dirname(args.path),
    }));
  },
};

await build({
  entryPoints: [join(src, 'core/agent/agent-cli.ts')],
  outdir: outDir,
  entryNames: '[name]',
  chunkNames: 'agent-chunk-[name]-[hash]',
  splitting: true,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // Native addons load from node_modules as usual.
  external: ['usb', 'drivelist'],
  // CommonJS dependencies inside an ES module bundle still call require.
  banner: { js: "import { createRequire as __pncRequire } from 'node:module';\nconst require = __pncRequire(import.meta.url);" },
  plugins: [ownUrls, zodEnglishOnly],
  // Less to read and parse at each start; names are kept for readable stack traces.
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: 'warning',
});
