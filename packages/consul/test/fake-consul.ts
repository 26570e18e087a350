/**
 * A stand-in HTTP server for faults a real Consul cannot be made to show on demand: a connection
 * that breaks after the request arrived, a 500 with a chosen message, a request that never gets
 * an answer. Everything else is tested against real servers.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** What the fake does with one request. */
export type FakeReply =
  | { readonly kind: 'status'; readonly status: number; readonly body: string; readonly json?: boolean }
  | { readonly kind: 'reset' }
  | { readonly kind: 'hang' };

/** A request the fake received. */
export interface SeenRequest {
  readonly method: string;
  readonly url: string;
  readonly body: string;
}

/** A running fake: `endpoint` is host:port; `reply` decides each answer; `closed` counts closed sockets. */
export class FakeConsul {
  readonly seen: SeenRequest[] = [];
  reply: (req: SeenRequest) => FakeReply = () => ({ kind: 'status', status: 200, body: '[]', json: true });
  closedSockets = 0;
  readonly #sockets = new Set<Socket>();

  private constructor(private readonly server: Server) {}

  static async start(): Promise<FakeConsul> {
    const server = createServer();
    const fake = new FakeConsul(server);
    server.on('connection', (s: Socket) => {
      fake.#sockets.add(s);
      s.on('close', () => {
        fake.#sockets.delete(s);
        fake.closedSockets++;
      });
    });
    server.on('request', (req: IncomingMessage, res: ServerResponse) => fake.#handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  get endpoint(): string {
    const a = this.server.address() as AddressInfo;
    return `127.0.0.1:${a.port}`;
  }

  async stop(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const seen = {
        method: req.method ?? '',
        url: req.url ?? '',
        body: Buffer.concat(chunks).toString('utf8'),
      };
      // The store's open-time probe is always answered and not recorded.
      if (seen.url.startsWith('/v1/status/leader')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('"127.0.0.1:8300"');
        return;
      }
      this.seen.push(seen);
      const r = this.reply(seen);
      if (r.kind === 'reset') req.socket.destroy();
      else if (r.kind === 'status') {
        res.writeHead(r.status, {
          'content-type': r.json ? 'application/json' : 'text/plain; charset=utf-8',
        });
        res.end(r.body);
      }
    });
  }
}
