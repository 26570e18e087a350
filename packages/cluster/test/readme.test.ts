import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { liveServerPids } from '../src/index.js';

const readme = readFileSync(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8');
// Runnable examples are the ts blocks that import the package; the API block is a summary.
const examples = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)]
  .map((m) => m[1] as string)
  .filter((code) => code.includes("from '@strongbox/cluster'"));
const written: string[] = [];
afterAll(() => {
  for (const f of written) rmSync(f, { force: true });
});

describe('README examples', () => {
  it('has examples', () => {
    expect(examples.length).toBeGreaterThanOrEqual(2);
  });

  it.each(examples.map((code, i) => [i, code] as const))(
    'example %i runs and leaves no server',
    async (i, code) => {
      const file = fileURLToPath(new URL(`./readme-example-${i}.tmp.ts`, import.meta.url));
      written.push(file);
      // A module of its own: top-level `await using` disposes the cluster when the example ends.
      writeFileSync(file, code);
      const before = new Set(liveServerPids());
      const log = console.log;
      console.log = () => {};
      try {
        await import(/* @vite-ignore */ file);
      } finally {
        console.log = log;
      }
      const started = liveServerPids().filter((p) => !before.has(p));
      expect(started).toEqual([]);
    },
  );
});
