/**
 * `npm run bench [-- name ...]`: runs every packages/<pkg>/bench/*.bench.ts (or those whose
 * file name contains one of the given names) one after another, prints each report and writes
 * them all to .reports/bench.json. Timing goals live here, never in tests.
 *
 * A bench file default-exports `async () => BenchReport`.
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export interface BenchReport {
  /** What was measured, one line. */
  title: string;
  /** Rows of the table printed to the terminal and kept in the JSON file. */
  rows: Array<Record<string, string | number>>;
  /** Goals checked against the rows, with the measured figure. */
  goals?: Array<{ goal: string; measured: string; met: boolean }>;
  notes?: string[];
}

const root = join(import.meta.dirname, '..');
const filters = process.argv.slice(2);
const files: string[] = [];
for (const pkg of readdirSync(join(root, 'packages'))) {
  const dir = join(root, 'packages', pkg, 'bench');
  let names: string[] = [];
  try {
    names = readdirSync(dir);
  } catch {
    continue;
  }
  for (const n of names.sort()) {
    if (!n.endsWith('.bench.ts')) continue;
    if (filters.length > 0 && !filters.some((f) => `${pkg}/${n}`.includes(f))) continue;
    files.push(join(dir, n));
  }
}
if (files.length === 0) {
  console.error(`bench: no bench file matches ${filters.join(', ') || '(all)'}`);
  process.exit(2);
}
const reports: Array<BenchReport & { file: string }> = [];
let failed = false;
for (const file of files) {
  const rel = file.slice(root.length + 1);
  console.log(`\n== ${rel}`);
  try {
    const mod = (await import(pathToFileURL(file).href)) as { default: () => Promise<BenchReport> };
    const report = await mod.default();
    console.log(report.title);
    console.table(report.rows);
    for (const g of report.goals ?? []) console.log(`${g.met ? 'met ' : 'MISS'}  ${g.goal}: ${g.measured}`);
    for (const n of report.notes ?? []) console.log(`note: ${n}`);
    reports.push({ file: rel, ...report });
  } catch (err) {
    failed = true;
    console.error(`bench ${rel} failed:`, err);
  }
}
mkdirSync(join(root, '.reports'), { recursive: true });
writeFileSync(join(root, '.reports', 'bench.json'), `${JSON.stringify(reports, null, 2)}\n`);
console.log(`\nwrote .reports/bench.json (${reports.length} report(s))`);
process.exitCode = failed ? 1 : 0;
