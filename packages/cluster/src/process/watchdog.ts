/**
 * The watchdog that stands between this process and every server it starts, so no server outlives
 * its parent even when the parent is SIGKILLed (exit handlers never run then) or a test worker is
 * torn down. It holds a pipe from the parent on stdin; when the pipe closes (EOF: the parent is
 * gone or let go), it SIGKILLs the server. It reports the server's real pid first, so pause and kill
 * signal the server itself, and it exits when the server exits.
 *
 * Plain JavaScript run with `node -e`, so it works the same from sources and from dist.
 */
export const WATCHDOG_SOURCE = `
const { spawn } = require('node:child_process');
const [cmd, ...args] = process.argv.slice(1);
process.title = 'strongbox-watchdog ' + require('node:path').basename(cmd);
const child = spawn(cmd, args, { stdio: ['ignore', 2, 2] });
const kill = () => { try { process.kill(child.pid, 'SIGKILL'); } catch {} };
child.on('error', (err) => {
  process.stderr.write('watchdog: cannot start ' + cmd + ': ' + err.message + '\\n');
  process.stdout.write(JSON.stringify({ error: err.message }) + '\\n');
  process.exit(127);
});
child.on('spawn', () => process.stdout.write(JSON.stringify({ pid: child.pid }) + '\\n'));
child.on('exit', (code, signal) => {
  process.stdout.write(JSON.stringify({ code, signal }) + '\\n', () => process.exit(0));
});
process.stdin.on('data', () => {});
process.stdin.on('end', kill);
process.stdin.on('error', kill);
for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(s, kill);
`;
