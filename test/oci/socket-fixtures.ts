// What the download client's tests share (socket-client.test.ts, socket-downloads.test.ts): real servers
// on 127.0.0.1 (node:http counting its connections, raw TCP answering as told), a client closed after the
// file's tests, and a socket a body is lent to.
import { createHash } from 'node:crypto';
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { after } from 'node:test';
import { createSocketClient, type SocketClient } from '../../src/oci/remote/socket-client.js';

export const closers: Array<() => unknown> = [];
after(async () => {
  for (const c of closers.reverse()) await c();
});

/** A node:http server on 127.0.0.1; counts the TCP connections it accepted. */
export async function httpServer(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  highWaterMark?: number,
): Promise<{ url: string; connections(): number; server: Server }> {
  let connections = 0;
  const server = createServer(highWaterMark === undefined ? {} : { highWaterMark }, handler);
  server.on('connection', () => connections++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  closers.push(() => {
    server.closeAllConnections();
    return new Promise((r) => server.close(r));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, connections: () => connections, server };
}

/** A raw TCP server that answers every request with `answer` (bytes written as given). */
export async function rawServer(answer: (socket: Socket) => void): Promise<string> {
  const sockets = new Set<Socket>();
  const server: NetServer = createNetServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.once('data', () => answer(socket));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  closers.push(() => {
    for (const s of sockets) s.destroy();
    return new Promise((r) => server.close(r));
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

export function client(opts: Parameters<typeof createSocketClient>[0] = {}): SocketClient {
  const c = createSocketClient(opts);
  closers.push(() => c.close());
  return c;
}

export const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/**
 * Lends `body` to a real socket: a node:http server answers with it; returns what a client received. A
 * `slow` client stops reading for 30 ms after every MiB, and the response takes 8 MiB before it asks
 * for a drain, so that writes queue in Node (not taken by the kernel at once) while the body reads
 * on: a buffer reused before its write called back would show in the bytes.
 */
export async function lendThroughSocket(
  lend: (res: ServerResponse) => Promise<void>,
  slow = false,
): Promise<{ bytes: Buffer; error?: unknown }> {
  let error: unknown;
  const front = await httpServer(
    (_req, res) => {
      res.writeHead(200);
      lend(res).then(
        () => res.end(),
        (err: unknown) => {
          error = err;
          res.destroy();
        },
      );
    },
    slow ? 8 * 1024 * 1024 : undefined,
  );
  const bytes = await new Promise<Buffer>((resolve) => {
    const chunks: Buffer[] = [];
    httpRequest(`${front.url}/`, (res) => {
      let sinceBreak = 0;
      res.on('data', (c: Buffer) => {
        chunks.push(c);
        sinceBreak += c.length;
        if (slow && sinceBreak >= 1024 * 1024) {
          sinceBreak = 0;
          res.pause();
          setTimeout(() => res.resume(), 30);
        }
      });
      res.on('end', () => resolve(Buffer.concat(chunks)));
      res.on('error', () => resolve(Buffer.concat(chunks)));
      res.on('aborted', () => resolve(Buffer.concat(chunks)));
    })
      .on('error', () => resolve(Buffer.concat(chunks)))
      .end();
  });
  return { bytes, error };
}
