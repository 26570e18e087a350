import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');

/** README blocks fenced as ```ts readme-example run here, so the documented API cannot rot. */
it.each(['README.md', 'packages/core/README.md', 'packages/conformance/README.md'])(
  'runs the examples of %s',
  async (name) => {
    const readme = readFileSync(join(root, name), 'utf8');
    const blocks = [...readme.matchAll(/```ts readme-example\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
    expect(blocks.length).toBeGreaterThan(0);
    const dir = join(root, 'test', '.generated');
    mkdirSync(dir, { recursive: true });
    const failures: unknown[] = [];
    const assertOrig = console.assert;
    // The example states its expectations with console.assert; make a false one fail the test.
    console.assert = (cond?: boolean, ...data: unknown[]) => {
      if (!cond) failures.push(data.length > 0 ? data : 'console.assert failed');
    };
    try {
      for (const [i, code] of blocks.entries()) {
        const file = join(dir, `${name.replaceAll('/', '-')}-${i}.ts`);
        writeFileSync(file, code);
        await import(file);
      }
    } finally {
      console.assert = assertOrig;
    }
    expect(failures).toEqual([]);
  },
);
