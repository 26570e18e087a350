import { channel } from 'node:diagnostics_channel';

/**
 * Counts the HTTP requests this process starts while `fn` runs (Node's diagnostics channel), to
 * pin down how many round trips a call costs; `sent` holds each one's method and path with query.
 */
export async function countRequests<T>(
  fn: () => Promise<T>,
): Promise<{ result: T; requests: number; sent: string[] }> {
  const sent: string[] = [];
  const onStart = (message: unknown) => {
    const { request } = message as { request: { method: string; path: string } };
    sent.push(`${request.method} ${request.path}`);
  };
  const ch = channel('http.client.request.start');
  ch.subscribe(onStart);
  try {
    const result = await fn();
    return { result, requests: sent.length, sent };
  } finally {
    ch.unsubscribe(onStart);
  }
}
