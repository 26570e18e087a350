import { randomUUID } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { vi } from 'vitest';

/**
 * Runs the first ```ts block of a README, with literal strings replaced (the example's endpoints by a
 * test cluster's, say), and returns what it printed with console.log. Each replaced string must be
 * in the block: a README edit must not quietly make the example talk to a default port.
 */
export async function runReadmeQuickStart(
  readmePath: string,
  replace: Readonly<Record<string, string>>,
): Promise<unknown[][]> {
  const readme = readFileSync(readmePath, 'utf8');
  let code = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  if (code === undefined) throw new Error(`${readmePath} has no ts block`);
  for (const [from, to] of Object.entries(replace)) {
    if (!code.includes(from)) throw new Error(`${readmePath}'s quick start no longer contains ${from}`);
    code = code.replace(from, to);
  }
  // Next to the README, so the example's imports resolve as in the package.
  const file = join(dirname(readmePath), `.readme-${randomUUID()}.ts`);
  writeFileSync(file, `${code}\nexport {};\n`);
  const log = vi.spyOn(console, 'log').mockImplementation(() => {});
  try {
    await import(file);
    return log.mock.calls;
  } finally {
    log.mockRestore();
    rmSync(file, { force: true });
  }
}
