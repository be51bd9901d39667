#!/usr/bin/env node
// `npm run bench [-- --quick]`: the benchmark lives in bench/ (see docs/benchmarks.md).
await import('../bench/run.mjs');
