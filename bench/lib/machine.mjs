// What the figures were measured on: they mean nothing without it.
import { spawnSync } from 'node:child_process';
import { statfsSync } from 'node:fs';
import { arch, cpus, release, totalmem, type } from 'node:os';
import { ROOT, toolVersion } from './common.mjs';

export function machine(tmp) {
  const c = cpus();
  let disk = null;
  try {
    const s = statfsSync(tmp);
    disk = { path: tmp, freeBytes: s.bavail * s.bsize, totalBytes: s.blocks * s.bsize };
  } catch {
    // gone already
  }
  const git = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' });
  const dirty = spawnSync('git', ['status', '--porcelain'], { cwd: ROOT, encoding: 'utf8' });
  return {
    cpu: c[0]?.model ?? 'unknown',
    cores: c.length,
    memoryBytes: totalmem(),
    os: `${type()} ${release()} ${arch()}`,
    node: process.version,
    root: process.getuid?.() === 0,
    disk,
    commit: git.status === 0 ? `${git.stdout.trim()}${dirty.stdout.trim() ? ' (with local changes)' : ''}` : null,
    tools: {
      nginx: toolVersion('nginx', ['-v']),
      curl: toolVersion('curl'),
      dd: toolVersion('dd'),
      rclone: toolVersion('rclone', ['version']),
      chromium: toolVersion('chromium'),
    },
  };
}
