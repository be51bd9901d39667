#!/usr/bin/env node
// Copies a folder of static assets into the build output: `node copy-assets.mjs SRC DEST`.
// Recursive; creates DEST; paths are relative to the current directory (the package's).
import { cpSync, existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';

const [src, dest] = process.argv.slice(2);
if (!src || !dest) {
  console.error('usage: node copy-assets.mjs SRC DEST');
  process.exit(2);
}
const from = resolve(src);
if (!existsSync(from) || !statSync(from).isDirectory()) {
  console.error(`copy-assets: ${from} is not a folder`);
  process.exit(1);
}
cpSync(from, resolve(dest), { recursive: true, force: true });
