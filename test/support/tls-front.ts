// A TLS terminator in front of a plain-HTTP test registry (crane's registry has no TLS of its own, and
// OpenTofu's OCI client speaks HTTPS only): accepts TLS on 127.0.0.1:<port> with the test certificate
// and pipes each connection's bytes to 127.0.0.1:<target>. A backend that is down resets the client's
// connection, as a registry that died would.
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { createServer } from 'node:tls';

export interface TlsFront {
  close(): Promise<void>;
}

export async function startTlsFront(tls: { certPath: string; keyPath: string }, port: number, target: number): Promise<TlsFront> {
  const sockets = new Set<Socket>();
  const server = createServer({ cert: readFileSync(tls.certPath), key: readFileSync(tls.keyPath) }, (client) => {
    const backend = connect(target, '127.0.0.1');
    sockets.add(client).add(backend);
    const end = (): void => {
      client.destroy();
      backend.destroy();
      sockets.delete(client);
      sockets.delete(backend);
    };
    client.on('error', end).on('close', end);
    backend.on('error', end).on('close', end);
    client.pipe(backend);
    backend.pipe(client);
  });
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  return {
    close: async () => {
      for (const s of sockets) s.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}
