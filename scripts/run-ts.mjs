#!/usr/bin/env node
// Runs a TypeScript entry point from source (no build): node with tsx's loader and the source
// export condition as flags of this one process. (tsx's own CLI re-spawns node without our
// --conditions, so @strongbox/* would resolve to dist/, which a fresh clone does not have.)
import { spawn } from 'node:child_process';

const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  console.error('usage: run-ts.mjs <entry.ts> [args...]');
  process.exit(2);
}
const child = spawn(process.execPath, ['--conditions=@strongbox/source', '--import', 'tsx', entry, ...args], {
  stdio: 'inherit',
});
// The child gets the same terminal signals; wait for it so its own cleanup runs.
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => {});
child.on('exit', (code, signal) => {
  if (signal) {
    // Die of the same signal, so the caller sees it: our no-op handlers must go first.
    for (const sig of ['SIGINT', 'SIGTERM']) process.removeAllListeners(sig);
    process.kill(process.pid, signal);
  } else process.exit(code ?? 1);
});
