import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));

/** A running `strongbox` process. */
export interface CliRun {
  readonly child: ChildProcessWithoutNullStreams;
  /** Resolves when the process exits, with its code and everything it printed. */
  readonly exit: Promise<{ code: number | null; out: string; err: string }>;
  output(): string;
  errors(): string;
  /** Resolves once stdout contains `text`; rejects if the process exits first. */
  waitFor(text: string): Promise<void>;
}

/**
 * Runs `strongbox <args>` from source as a user would, with pipes (not a TTY). Node itself loads
 * tsx with the source export condition, so the process a test signals is the CLI itself and
 * `@strongbox/*` resolve to their sources (no build needed).
 */
export function spawnCli(args: readonly string[]): CliRun {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--conditions=@strongbox/source', main, ...args],
    {
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  child.stdin.end();
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => {
    out += c.toString();
  });
  child.stderr.on('data', (c: Buffer) => {
    err += c.toString();
  });
  const exit = new Promise<{ code: number | null; out: string; err: string }>((resolve) =>
    child.on('exit', (code) => resolve({ code, out, err })),
  );
  const waitFor = (text: string) =>
    new Promise<void>((resolve, reject) => {
      const seen = () => {
        if (!out.includes(text)) return;
        child.stdout.off('data', seen);
        resolve();
      };
      child.stdout.on('data', seen);
      seen();
      void exit.then(({ code }) => reject(new Error(`exited ${code} before "${text}":\n${out}\n${err}`)));
    });
  return { child, exit, waitFor, output: () => out, errors: () => err };
}
