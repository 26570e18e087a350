/**
 * Whether a process with this pid exists. EPERM means it exists but belongs to someone else;
 * any other error (ESRCH) means it is gone.
 */
export function pidAlive(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
