/** One subcommand of `strongbox`: it parses its own arguments and returns the process exit code. */
export interface Command {
  /** One line shown by `strongbox help`. */
  readonly summary: string;
  run(args: string[]): Promise<number>;
}

/**
 * The subcommands, each loaded only when it runs, so `strongbox verify` never pays for
 * the cluster code and a broken command cannot break the others.
 */
export const commands: Record<string, () => Promise<{ command: Command }>> = {
  check: () => import('./commands/check.js'),
  compare: () => import('./commands/compare.js'),
  up: () => import('./commands/up.js'),
  verify: () => import('./commands/verify.js'),
};
