// A real forward HTTP proxy on loopback, as an egress proxy in front of a corporate network is: CONNECT
// tunnels (what undici's ProxyAgent and curl use for https:// and, by default, http:// targets) and
// absolute-form requests (plain HTTP forwarding). It records every target it carried, and can refuse all.
import { createServer, request, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface ConnectProxy {
  /** http://127.0.0.1:<port> */
  url: string;
  /** Every target carried, as "host:port", in order. */
  targets: string[];
  /** The Proxy-Authorization header of each, in the same order (undefined: none). */
  credentials: (string | undefined)[];
  /** Answer 403 to every request from now on (a proxy that refuses the destination). */
  refuse: boolean;
  close(): Promise<void>;
}

export async function startConnectProxy(): Promise<ConnectProxy> {
  const sockets = new Set<Socket>();
  const state: ConnectProxy = {
    url: '',
    targets: [],
    credentials: [],
    refuse: false,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  const server: Server = createServer((req, res) => {
    // Absolute-form: GET http://host:port/path HTTP/1.1
    let target: URL;
    try {
      target = new URL(req.url ?? '');
    } catch {
      res.writeHead(400).end('not a proxy request');
      return;
    }
    state.targets.push(target.host);
    state.credentials.push(req.headers['proxy-authorization']);
    if (state.refuse) {
      res.writeHead(403).end('refused by the proxy');
      return;
    }
    const upstream = request(target, { method: req.method, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  server.on('connect', (req, client: Socket, head: Buffer) => {
    const target = req.url ?? '';
    state.targets.push(target);
    state.credentials.push(req.headers['proxy-authorization']);
    if (state.refuse) {
      client.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    const m = /^(.+):(\d+)$/.exec(target);
    if (!m) {
      client.end('HTTP/1.1 400 Bad Request\r\n\r\n');
      return;
    }
    const upstream = connect(Number(m[2]), (m[1] as string).replace(/^\[|\]$/g, ''), () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.once('close', () => sockets.delete(upstream));
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return state;
}
