import { join } from 'node:path';
import type { Driver, LaunchContext, NodeLayout } from './backends/driver.js';
import { ClusterError } from './errors.js';
import { readTail } from './logs.js';
import { until } from './poll.js';
import { ServerProcess } from './process/server-process.js';

/** How long pause() waits for every thread of a server to stop. */
const PAUSE_TIMEOUT_MS = 5_000;

/** A node's lifecycle state as this process drove it. */
export type NodeState = 'running' | 'paused' | 'stopped' | 'killed' | 'exited';

/** One server of a cluster, with fault injection. */
export class ClusterNode {
  /** 1-based id (ZooKeeper myid, position in the cluster). */
  readonly id: number;
  readonly name: string;
  /** `host:port` for clients. */
  readonly clientEndpoint: string;
  /** The node's data dir (its server data and log). */
  readonly dir: string;
  /** The node's log file: stdout and stderr of every run, appended. */
  readonly logFile: string;
  private proc: ServerProcess | undefined;
  private current: NodeState = 'stopped';

  /** @internal */
  constructor(
    private readonly driver: Driver,
    private readonly ctx: LaunchContext,
    /** @internal */
    readonly layout: NodeLayout,
  ) {
    this.id = layout.index + 1;
    this.name = layout.name;
    this.dir = layout.dir;
    this.clientEndpoint = driver.clientEndpoint(ctx, layout);
    this.logFile = join(layout.dir, 'server.log');
  }

  /** The server's pid (changes on restart); `undefined` before the first start. */
  get pid(): number | undefined {
    return this.proc?.pid;
  }

  /** `exited` means the server ended by itself (a crash), not through this API. */
  get state(): NodeState {
    return this.current;
  }

  /** @internal Starts the server process. */
  async start(): Promise<void> {
    if (this.current === 'running' || this.current === 'paused') {
      throw new ClusterError(
        'INVALID_STATE',
        `node ${this.name} is ${this.current}; stop or kill it before starting it`,
      );
    }
    const { args, env } = this.driver.command(this.ctx, this.layout);
    const proc = await ServerProcess.start(
      this.ctx.install.command,
      [...this.ctx.install.baseArgs, ...args],
      {
        logFile: this.logFile,
        env: serverEnv(env),
        cwd: this.layout.dir,
      },
    );
    this.proc = proc;
    this.current = 'running';
    void proc.exited.then(() => {
      if (this.proc === proc && (this.current === 'running' || this.current === 'paused'))
        this.current = 'exited';
    });
  }

  /** SIGKILL: a crash with no chance to flush or leave. */
  async kill(): Promise<void> {
    if (!this.proc) return;
    this.current = 'killed';
    await this.proc.kill();
  }

  /**
   * SIGSTOP: the process freezes (as in a long GC pause) and keeps its sockets open. Resolves once
   * every thread of the server has stopped: until then a request sent to it may still be answered.
   * Rejects (INVALID_STATE) if a thread still runs after 5 s; the node is then resumed (running).
   */
  async pause(): Promise<void> {
    if (this.current !== 'running')
      throw new ClusterError('INVALID_STATE', `cannot pause node ${this.name}: it is ${this.current}`);
    const proc = this.proc;
    proc?.signal('SIGSTOP');
    this.current = 'paused';
    try {
      await proc?.waitStopped(PAUSE_TIMEOUT_MS, () => this.current === 'paused' && this.proc === proc);
    } catch (err) {
      // Not frozen in time: undo the pause, so a caller that gives up leaves a running node.
      if (this.current === 'paused' && this.proc === proc) {
        proc?.signal('SIGCONT');
        this.current = 'running';
      }
      throw err;
    }
  }

  /** SIGCONT after pause(). */
  resume(): void {
    if (this.current !== 'paused')
      throw new ClusterError('INVALID_STATE', `cannot resume node ${this.name}: it is ${this.current}`);
    this.proc?.signal('SIGCONT');
    this.current = 'running';
  }

  /** Graceful stop (SIGTERM, SIGKILL after `graceMs`); the data stays. */
  async stop(graceMs = 5_000): Promise<void> {
    if (!this.proc?.running) {
      if (this.current !== 'killed') this.current = 'stopped';
      return;
    }
    this.current = 'stopped';
    await this.proc.terminate(graceMs);
  }

  /**
   * Starts the node again on the same ports with its data kept (stopping it first if it runs) and
   * waits until it answers its status endpoint; it rejoins the cluster as the same member.
   */
  async restart(timeoutMs = this.ctx.options.startupTimeoutMs): Promise<void> {
    await this.stop();
    await this.start();
    await until(`node ${this.name} to answer after restart`, timeoutMs, async () => {
      if (this.current === 'exited') throw this.exitError();
      return (await this.driver.isLeader(this.ctx, this.layout)) !== undefined;
    });
  }

  /** Whether the node says it is the leader now (false when it is not running or does not answer). */
  async isLeader(): Promise<boolean> {
    if (this.current !== 'running') return false;
    return (await this.driver.isLeader(this.ctx, this.layout)) === true;
  }

  /** The last `lines` lines of this node's log. */
  logTail(lines = 40): string {
    return readTail(this.logFile, lines);
  }

  /** @internal An error for a server that exited by itself, with its log. */
  exitError(): ClusterError {
    const s = this.proc?.exitStatus;
    return new ClusterError(
      'PROCESS_EXITED',
      `${this.ctx.install.backend} node ${this.name} exited (code ${s?.code ?? '?'}, signal ${s?.signal ?? 'none'}); ` +
        `log ${this.logFile}:\n${this.logTail(30)}`,
      { backend: this.ctx.install.backend },
    );
  }
}

/** The parent's environment without variables that would reconfigure the servers behind our back. */
function serverEnv(extra: Record<string, string> | undefined): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    // NODE_OPTIONS would load the parent's loaders (tsx, vitest) into every watchdog.
    if (/^(ETCD_|ETCDCTL_|CONSUL_|ZOO|JVMFLAGS|JAVA_TOOL_OPTIONS|NODE_OPTIONS$)/.test(k)) continue;
    env[k] = v;
  }
  return { ...env, ...extra };
}
