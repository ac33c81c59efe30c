// Test doubles for redirect download mode. Distribution's filesystem driver never redirects, so a small
// "registry front" (node:http) proxies every request to a REAL Distribution and answers blob GETs as a
// registry with an S3/GCS backend would: 307 to a fake "object storage" server that serves the bytes
// (it fetches them from the real registry). `mode` picks the Location the front hands out.
import { once } from 'node:events';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

export type FrontMode = 'stream' | 'object-storage' | 'same-origin' | 'userinfo' | 'leaks-secret';

export interface RedirectFront {
  url: string;
  storageUrl: string;
  mode: FrontMode;
  /** A string the 'leaks-secret' mode embeds in the Location (set it to the caller's secret). */
  secret: string;
  /** Blob GETs seen by the object storage. */
  storageHits: number;
  close(): Promise<void>;
}

function proxy(upstream: string, path: string, req: IncomingMessage, res: ServerResponse): void {
  const u = new URL(path, upstream);
  const headers = { ...req.headers, host: u.host };
  const out = request(u, { method: req.method, headers }, (up) => {
    res.writeHead(up.statusCode ?? 502, up.headers);
    up.pipe(res);
  });
  out.on('error', () => res.destroy());
  req.pipe(out);
}

async function listen(server: Server): Promise<string> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const a = server.address();
  if (a === null || typeof a === 'string') throw new Error('no address');
  return `http://127.0.0.1:${a.port}`;
}

/** Starts the object storage and the front for the registry at `registryUrl`. */
export async function startRedirectFront(registryUrl: string): Promise<RedirectFront> {
  const state = { mode: 'object-storage' as FrontMode, secret: '', storageHits: 0 };
  // Object storage: /bucket/<repository>/blobs/<digest>?X-Amz-Signature=… -> the bytes.
  const storage = createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    if (!u.pathname.startsWith('/bucket/') || !u.searchParams.has('X-Amz-Signature')) {
      res.writeHead(403).end('AccessDenied');
      return;
    }
    state.storageHits++;
    proxy(registryUrl, `/v2/${u.pathname.slice('/bucket/'.length)}`, req, res);
  });
  const storageUrl = await listen(storage);
  let frontUrl = '';
  const front = createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    if (u.pathname.startsWith('/_internal/')) return proxy(registryUrl, `/v2/${u.pathname.slice('/_internal/'.length)}`, req, res);
    const blob = /^\/v2\/(.+\/blobs\/sha256:[0-9a-f]{64})$/.exec(u.pathname);
    if (!blob || req.method !== 'GET' || state.mode === 'stream') return proxy(registryUrl, req.url ?? '/', req, res);
    const where = blob[1]!;
    const object = new URL(`/bucket/${where}?X-Amz-Signature=fake-presigned-0001&X-Amz-Expires=60`, storageUrl);
    let location: string;
    switch (state.mode) {
      case 'object-storage':
        location = object.href;
        break;
      case 'same-origin':
        location = `${frontUrl}/_internal/${where}`;
        break;
      case 'userinfo':
        object.username = 'svc';
        object.password = 'storage-pw';
        location = object.href;
        break;
      case 'leaks-secret':
        object.searchParams.set('auth', state.secret);
        location = object.href;
        break;
    }
    res.writeHead(307, { location }).end();
  });
  frontUrl = await listen(front);
  return Object.assign(state, {
    url: frontUrl,
    storageUrl,
    close: async () => {
      for (const s of [front, storage]) {
        s.close();
        s.closeAllConnections();
      }
    },
  }) as RedirectFront;
}
