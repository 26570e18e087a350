/** Minimal HTTP and TCP probes the clusters use for readiness, leaders and writes (no adapters). */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';

/** TLS material for https probes. */
export interface ProbeTls {
  ca?: string | Buffer;
  cert?: string | Buffer;
  key?: string | Buffer;
}

/** An HTTP answer. */
export interface HttpAnswer {
  status: number;
  body: string;
}

/** One HTTP request without keep-alive (a paused server must not hold a pooled socket). */
export function http(
  url: string,
  options: {
    method?: string;
    body?: string;
    headers?: Record<string, string>;
    timeoutMs?: number;
    tls?: ProbeTls;
  } = {},
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const make = u.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = make(
      u,
      {
        method: options.method ?? 'GET',
        headers: {
          ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
          ...options.headers,
        },
        agent: false,
        timeout: options.timeoutMs ?? 2_000,
        ...(options.tls ?? {}),
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          body += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${options.method ?? 'GET'} ${url} timed out`)));
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Sends a ZooKeeper four-letter word and returns the whole answer. */
export function fourLetterWord(host: string, port: number, word: string, timeoutMs = 2_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = connect({ host, port });
    let out = '';
    sock.setEncoding('utf8');
    sock.setTimeout(timeoutMs, () => sock.destroy(new Error(`${word} to ${host}:${port} timed out`)));
    sock.on('connect', () => sock.write(word));
    sock.on('data', (c: string) => {
      out += c;
    });
    sock.on('end', () => resolve(out));
    sock.on('error', reject);
  });
}
