import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync, writeSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { ClusterError } from '../errors.js';
import { WATCHDOG_SOURCE } from './watchdog.js';

/** How a server process ended. */
export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Every server pid this process started and has not seen exit: killed when this process exits. */
const live = new Set<number>();
let hooksInstalled = false;

/** @internal SIGKILLs every server this process runs, synchronously (exit hooks). */
export function killAllNow(): void {
  for (const pid of live) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  live.clear();
}

/**
 * Belt and braces next to the watchdogs: on a normal exit, an uncaught error or a terminal signal
 * the servers are killed at once. A signal is only acted on when nobody else listens for it (the
 * CLI installs its own handler for a graceful stop); then it is re-raised so the exit is the
 * default one.
 */
function installExitHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', killAllNow);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const handler = (): void => {
      if (process.listenerCount(sig) > 1) return;
      killAllNow();
      process.removeListener(sig, handler);
      process.kill(process.pid, sig);
    };
    process.on(sig, handler);
  }
}

/** The pids of the servers this process currently runs (for diagnostics and orphan tests). */
export function liveServerPids(): number[] {
  return [...live];
}

/** One server process behind its watchdog, logging to a file. */
export class ServerProcess {
  /** Resolves once the server has exited (any cause). */
  readonly exited: Promise<ExitStatus>;
  private status: ExitStatus | undefined;

  private constructor(
    readonly pid: number,
    private readonly watchdog: ChildProcess,
    exited: Promise<ExitStatus>,
  ) {
    this.exited = exited.then((s) => {
      this.status = s;
      live.delete(pid);
      return s;
    });
  }

  /** Starts `command args` with stdout and stderr appended to `logFile`. */
  static async start(
    command: string,
    args: readonly string[],
    options: { logFile: string; env?: NodeJS.ProcessEnv; cwd?: string },
  ): Promise<ServerProcess> {
    installExitHooks();
    const fd = openSync(options.logFile, 'a');
    writeSync(fd, `\n=== ${new Date().toISOString()} start: ${command} ${args.join(' ')}\n`);
    let watchdog: ChildProcess;
    try {
      watchdog = spawn(process.execPath, ['-e', WATCHDOG_SOURCE, command, ...args], {
        stdio: ['pipe', 'pipe', fd],
        env: options.env ?? process.env,
        cwd: options.cwd,
        // Its own process group: a Ctrl-C in the terminal reaches only this process, which then
        // stops the servers in order instead of them all dying at once.
        detached: true,
      });
    } finally {
      closeSync(fd);
    }
    const lines = createInterface({ input: watchdog.stdout as NodeJS.ReadableStream });
    let resolvePid: (pid: number) => void = () => {};
    let rejectPid: (err: Error) => void = () => {};
    const pidPromise = new Promise<number>((res, rej) => {
      resolvePid = res;
      rejectPid = rej;
    });
    let last: ExitStatus = { code: null, signal: null };
    lines.on('line', (line) => {
      try {
        const msg = JSON.parse(line) as {
          pid?: number;
          error?: string;
          code?: number | null;
          signal?: NodeJS.Signals | null;
        };
        if (typeof msg.pid === 'number') resolvePid(msg.pid);
        else if (msg.error !== undefined)
          rejectPid(new ClusterError('PROCESS_EXITED', `cannot start ${command}: ${msg.error}`));
        else last = { code: msg.code ?? null, signal: msg.signal ?? null };
      } catch {
        // not a watchdog message
      }
    });
    const exited = new Promise<ExitStatus>((resolve) => {
      watchdog.on('exit', () =>
        rejectPid(new ClusterError('PROCESS_EXITED', `the watchdog for ${command} exited early`)),
      );
      // 'close' comes after the watchdog's stdout has ended, so its exit line has been read.
      watchdog.on('close', () => resolve(last));
    });
    const pid = await pidPromise;
    live.add(pid);
    // Neither the pipes nor the watchdog keep this process alive: a parent that is done exits,
    // its pipe closes, and the watchdog kills the server.
    watchdog.unref();
    for (const s of [watchdog.stdin, watchdog.stdout])
      (s as unknown as { unref?: () => void } | null)?.unref?.();
    return new ServerProcess(pid, watchdog, exited);
  }

  /** Whether the server has not exited yet. */
  get running(): boolean {
    return this.status === undefined;
  }

  /** The exit status once exited. */
  get exitStatus(): ExitStatus | undefined {
    return this.status;
  }

  /** Sends a signal to the server itself (not the watchdog). */
  signal(sig: NodeJS.Signals): void {
    if (!this.running) return;
    try {
      process.kill(this.pid, sig);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
    }
  }

  /**
   * Resolves once every thread of the server is stopped (after SIGSTOP), or when it exited. Linux
   * wakes one thread to take a SIGSTOP; the others keep running, and can still answer a request,
   * until that thread has been scheduled and stopped them. Without /proc (not Linux) it resolves
   * at once, and as soon as `wanted()` turns false (the node was resumed meanwhile). Throws when a
   * thread still runs after `timeoutMs`.
   */
  async waitStopped(timeoutMs: number, wanted: () => boolean = () => true): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const states = threadStates(this.pid);
      if (states === undefined || !this.running || !wanted() || states.every(notRunning)) return;
      if (Date.now() > deadline) {
        throw new ClusterError(
          'INVALID_STATE',
          `pid ${this.pid} still has running threads ${timeoutMs} ms after SIGSTOP (states ${states.join('')})`,
        );
      }
      await new Promise((r) => setTimeout(r, 1));
    }
  }

  /** SIGKILL and wait for the exit. */
  async kill(): Promise<ExitStatus> {
    this.signal('SIGKILL');
    return this.waitExit();
  }

  /** SIGTERM (continuing a paused server so it can act on it), then SIGKILL after `graceMs`. */
  async terminate(graceMs = 5_000): Promise<ExitStatus> {
    this.signal('SIGTERM');
    this.signal('SIGCONT');
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((r) => {
      timer = setTimeout(() => r('timeout'), graceMs);
    });
    const first = await Promise.race([this.waitExit(), timeout]);
    clearTimeout(timer);
    if (first === 'timeout') return this.kill();
    return first;
  }

  /** The exit, keeping this process alive until then (the watchdog is unref'd otherwise). */
  private async waitExit(): Promise<ExitStatus> {
    if (!this.running) return this.exited;
    this.watchdog.ref();
    (this.watchdog.stdout as unknown as { ref?: () => void } | null)?.ref?.();
    return this.exited;
  }

  /** Lets go of the watchdog pipe: the watchdog then kills the server (used on parent shutdown). */
  detach(): void {
    this.watchdog.stdin?.end();
  }
}

/** Whether a thread in this /proc state letter can run no code: stopped, traced, zombie or dead. */
function notRunning(state: string): boolean {
  return state === 'T' || state === 't' || state === 'Z' || state === 'X';
}

/**
 * @internal The state letter of each thread of `pid` (from /proc), or undefined without /proc or
 * process.
 */
export function threadStates(pid: number): string[] | undefined {
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return undefined;
  }
  const states: string[] = [];
  for (const t of tasks) {
    try {
      // "pid (comm) S ...": the state follows the last ')' (comm may contain spaces or parens).
      const stat = readFileSync(`/proc/${pid}/task/${t}/stat`, 'utf8');
      states.push(stat.charAt(stat.lastIndexOf(')') + 2));
    } catch {
      // The thread ended meanwhile.
    }
  }
  return states;
}
