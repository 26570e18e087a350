/**
 * `strongbox up`: starts a local etcd, Consul or ZooKeeper cluster, prints its endpoints and a
 * config snippet for a replica, and stops it cleanly on Ctrl-C (SIGINT) or SIGTERM.
 */
import { parseArgs } from 'node:util';
import type { Command } from '../commands.js';

const USAGE = `usage: strongbox up [--backend etcd|consul|zookeeper] [--nodes 1|3|5] [--data-dir DIR]
                    [--timeout-ms MS] [--log-level debug|info|warn|error]

Starts a local cluster on free loopback ports and keeps it running until Ctrl-C.
  --backend     server to run (default etcd)
  --nodes       number of nodes (default 3)
  --data-dir    where node data and logs go; reused with its data if it holds this cluster
                (default: a temporary dir, removed on exit)
  --timeout-ms  startup timeout (default 60000)
  --log-level   server log level (default info)`;

/** Shows startup progress: one rewritten status line on a terminal, plain timestamped lines otherwise. */
class Progress {
  private readonly t0 = Date.now();
  private readonly tty: boolean;
  private last = 'starting';
  private frame = 0;
  private closed = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly out: NodeJS.WriteStream) {
    this.tty = out.isTTY === true;
    if (this.tty) this.timer = setInterval(() => this.draw(), 100);
  }

  private elapsed(): string {
    return `${((Date.now() - this.t0) / 1000).toFixed(1)}s`;
  }

  private draw(): void {
    const spin = '⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏'[this.frame++ % 10];
    this.out.write(`\r\x1b[2K${spin} ${this.elapsed().padStart(6)}  ${this.last}`);
  }

  step(msg: string): void {
    if (this.closed) return;
    this.last = msg;
    if (this.tty) this.draw();
    else this.out.write(`[${this.elapsed().padStart(6)}] ${msg}\n`);
  }

  done(msg: string): void {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    if (this.tty) this.out.write(`\r\x1b[2K✓ ${msg} in ${this.elapsed()}\n`);
    else this.out.write(`[${this.elapsed().padStart(6)}] ${msg}\n`);
  }

  fail(): void {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    if (this.tty) this.out.write(`\r\x1b[2K✗ failed after ${this.elapsed()}\n`);
  }
}

export const command: Command = {
  summary: 'start a local etcd, Consul or ZooKeeper cluster until Ctrl-C',
  async run(args) {
    let values: {
      backend?: string;
      nodes?: string;
      'data-dir'?: string;
      'timeout-ms'?: string;
      'log-level'?: string;
      help?: boolean;
    };
    try {
      ({ values } = parseArgs({
        args,
        options: {
          backend: { type: 'string', default: 'etcd' },
          nodes: { type: 'string', default: '3' },
          'data-dir': { type: 'string' },
          'timeout-ms': { type: 'string', default: '60000' },
          'log-level': { type: 'string', default: 'info' },
          help: { type: 'boolean', short: 'h' },
        },
        strict: true,
        allowPositionals: false,
      }));
    } catch (err) {
      console.error(`strongbox up: ${(err as Error).message}\n${USAGE}`);
      return 2;
    }
    if (values.help) {
      console.log(USAGE);
      return 0;
    }
    // Loaded here so `strongbox help` never pays for the cluster code.
    const { ClusterError, clusterOptions, startCluster } = await import('@strongbox/cluster');
    const parsed = clusterOptions.safeParse({
      backend: values.backend,
      nodes: Number(values.nodes),
      startupTimeoutMs: Number(values['timeout-ms']),
      logLevel: values['log-level'],
      ...(values['data-dir'] === undefined ? {} : { dataDir: values['data-dir'] }),
    });
    if (!parsed.success) {
      const issues = parsed.error.issues
        .map((i) => `--${String(i.path[0] ?? '?')}: ${i.message}`)
        .join('\n  ');
      console.error(`strongbox up: invalid options:\n  ${issues}\n${USAGE}`);
      return 2;
    }
    const opts = parsed.data;

    // Installed before starting, so a Ctrl-C during startup also stops what was started.
    let stopRequested: (sig: string) => void = () => {};
    const stopSignal = new Promise<string>((r) => {
      stopRequested = r;
    });
    const onSignal = (sig: NodeJS.Signals) => () => stopRequested(sig);
    const handlers = { SIGINT: onSignal('SIGINT'), SIGTERM: onSignal('SIGTERM') };
    process.on('SIGINT', handlers.SIGINT);
    process.on('SIGTERM', handlers.SIGTERM);
    const progress = new Progress(process.stdout);
    try {
      const starting = startCluster({ ...opts, onProgress: (m) => progress.step(m) });
      const first = await Promise.race([
        starting.then((c) => ({ cluster: c })),
        stopSignal.then((sig) => ({ sig })),
      ]);
      if ('sig' in first) {
        progress.fail();
        console.log(`${first.sig}: stopping what has started…`);
        await starting.then((c) => c.stop()).catch(() => {});
        return 130;
      }
      const cluster = first.cluster;
      progress.done(`${opts.backend} cluster of ${opts.nodes} node(s) ready`);
      const leader = await cluster.leader();
      console.log(
        `\ndata and logs: ${cluster.dataDir}${cluster.dataDir === opts.dataDir ? '' : ' (removed on exit)'}`,
      );
      for (const n of cluster.nodes) {
        console.log(
          `  ${n.name.padEnd(4)} ${n.clientEndpoint.padEnd(16)} pid ${String(n.pid).padEnd(8)}${n === leader ? 'leader' : ''}`,
        );
      }
      console.log(`\nendpoints: ${cluster.endpoints.join(',')}`);
      console.log(
        `\nconfig snippet for a replica's strongbox config:\n${configSnippet(opts.backend, cluster.endpoints)}`,
      );
      console.log('\nrunning; press Ctrl-C to stop');
      // Watching the nodes also keeps this process alive: the servers' pipes are unref'd so that
      // a library user's finished script can exit, and a pending promise alone holds nothing.
      const reported = new Set<string>();
      const watch = setInterval(() => {
        for (const n of cluster.nodes) {
          if (n.state !== 'exited' || reported.has(n.name)) continue;
          reported.add(n.name);
          console.error(`node ${n.name} exited by itself; its log: ${n.logFile}\n${n.logTail(10)}`);
        }
      }, 1_000);
      const sig = await stopSignal;
      clearInterval(watch);
      console.log(`\n${sig}: stopping ${opts.backend} cluster…`);
      await cluster.stop();
      console.log('stopped');
      return 0;
    } catch (err) {
      progress.fail();
      console.error(
        `strongbox up: ${err instanceof ClusterError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
      );
      return 1;
    } finally {
      process.removeListener('SIGINT', handlers.SIGINT);
      process.removeListener('SIGTERM', handlers.SIGTERM);
    }
  },
};

/** The store config a replica needs to reach this cluster (JSON, matching @strongbox/core's storeConfig). */
export function configSnippet(backend: string, endpoints: readonly string[]): string {
  return JSON.stringify({ backend, endpoints }, null, 2);
}
