#!/usr/bin/env node
// Runs a TypeScript entry point from source (no build): tsx with the source export condition.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const tsxCli = require.resolve('tsx/cli');
const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  console.error('usage: run-ts.mjs <entry.ts> [args...]');
  process.exit(2);
}
const child = spawn(process.execPath, ['--conditions=@strongbox/source', tsxCli, entry, ...args], {
  stdio: 'inherit',
});
// The child gets the same terminal signals; wait for it so its own cleanup runs.
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => {});
child.on('exit', (code, signal) => {
  if (signal) process.kill(process.pid, signal);
  else process.exit(code ?? 1);
});
