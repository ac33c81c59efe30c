// A tiny scripted HTTP server on 127.0.0.1:0 for client tests that a real registry cannot stage
// (pagination, 5xx/429 sequences, stalls, redirects, malformed answers). Records every request.
import { after, afterEach } from 'node:test';
import { Agent } from 'undici';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  /** Bytes of the request body. */
  bodyLength: number;
}

export interface FakeServer {
  readonly url: string;
  readonly requests: RecordedRequest[];
  close(): Promise<void>;
}

export type FakeHandler = (req: IncomingMessage, res: ServerResponse, body: Buffer) => void | Promise<void>;

/** Starts a server that records requests (body fully read first) and lets `handler` answer. */
export async function startFake(handler: FakeHandler): Promise<FakeServer> {
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    void (async () => {
      const chunks: Buffer[] = [];
      for await (const c of req as AsyncIterable<Buffer>) chunks.push(c);
      const body = Buffer.concat(chunks);
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, bodyLength: body.length });
      await handler(req, res, body);
    })().catch((err: unknown) => {
      res.destroy(err instanceof Error ? err : new Error(String(err)));
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no address');
  return {
    url: `http://127.0.0.1:${address.port}`,
    requests,
    // Idempotent: a test may close its server early (a registry going away) before the fixture does.
    close: async () => {
      if (!server.listening) return;
      for (const s of sockets) s.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}

/** Sends a JSON body. */
export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/**
 * Per-file test fixture: a keep-alive dispatcher closed after the file, and `fake(handler)` servers
 * closed after each test. Call once at the top level of a test file.
 */
export function useFakeServers(): { dispatcher: Agent; fake: (handler: FakeHandler) => Promise<FakeServer> } {
  const dispatcher = new Agent({ keepAliveTimeout: 1_000 });
  after(() => dispatcher.close());
  let servers: FakeServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.map((s) => s.close()));
    servers = [];
  });
  return {
    dispatcher,
    async fake(handler) {
      const s = await startFake(handler);
      servers.push(s);
      return s;
    },
  };
}
