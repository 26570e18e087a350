import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ENV_SERVERS_DIR } from './env.js';

/** The repository root: the nearest ancestor of this file (or of cwd) whose package.json has workspaces. */
export function projectRoot(): string {
  for (const start of [import.meta.dirname, process.cwd()]) {
    let dir = resolve(start);
    for (;;) {
      const pkg = join(dir, 'package.json');
      if (existsSync(pkg)) {
        try {
          if ((JSON.parse(readFileSync(pkg, 'utf8')) as { workspaces?: unknown }).workspaces) return dir;
        } catch {
          // unreadable package.json: keep walking up
        }
      }
      const up = dirname(dir);
      if (up === dir) break;
      dir = up;
    }
  }
  return process.cwd();
}

/** The git-ignored server cache: `$STRONGBOX_SERVERS_DIR` or `<repo>/.servers`. */
export function serversDir(): string {
  return process.env[ENV_SERVERS_DIR] ?? join(projectRoot(), '.servers');
}
