/** Where Debian's chromium package puts its launcher. */
export const CHROMIUM: string;
/** Flags that keep headless Chromium off the network and quiet. */
export const HEADLESS_FLAGS: readonly string[];
/** Returns Chromium's path, installing Debian's package first when it is missing (as root). */
export function ensureChromium(log?: (msg: string) => void): string;
/** Runs headless Chromium with `args` in a temporary profile; returns stdout, throws with stderr on failure. */
export function runHeadless(args: readonly string[], options?: { timeoutMs?: number }): string;
