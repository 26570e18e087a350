import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const run = promisify(execFile);
const root = join(import.meta.dirname, '..');
const bin = (name: string) => join(root, 'node_modules', '.bin', name);

/** Runs a repo-wide check; on failure the test shows what the tool printed. */
async function check(cmd: string, args: string[]): Promise<void> {
  try {
    await run(bin(cmd), args, { cwd: root, maxBuffer: 64 * 1024 * 1024 });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    expect.fail(`${cmd} ${args.join(' ')} failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`.slice(0, 20_000));
  }
}

// CI runs only the test command, so the formatter, linter and type checker run as tests.
it('passes Biome (format and lint) over the whole repository', () => check('biome', ['ci', '.']), 120_000);

it(
  'type-checks every package, test and script (strict)',
  () => check('tsc', ['-p', 'tsconfig.test.json']),
  300_000,
);
