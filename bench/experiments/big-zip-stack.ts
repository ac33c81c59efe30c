// What the download experiments share (download-variants.ts, download-cpu.ts): the bench registry, a
// tf-oci-registry server on it, and one provider version whose zip has `sizeMB` MB, pushed with the
// bench's own User-Agent; returns the server's download URL and the registry's blob URL of that zip.
import { join } from 'node:path';
import { Agent } from 'undici';
import { createRegistryStore } from '../../src/oci/remote/registry-store.js';
import { createBenchSigner } from '../lib/fixtures.js';
import { startBenchRegistry } from '../lib/registry.js';
import { startServer, type ServerProcess } from '../lib/server.js';
import { setupBigZip } from '../scenarios/downloads.js';

export interface BigZipStack {
  server: ServerProcess;
  /** The server's download URL of the zip. */
  proxyUrl: string;
  /** The registry's blob URL of the same zip. */
  directUrl: string;
  size: number;
}

export async function startBigZipStack(root: string, tmp: string, sizeMB: number): Promise<BigZipStack> {
  const registry = await startBenchRegistry(join(tmp, 'registry'));
  const server = await startServer({ root, registryUrl: registry.url, logDir: tmp });
  const pushStore = createRegistryStore({
    url: registry.url,
    plainHttp: true,
    userAgent: 'tf-oci-bench-push',
    dispatcher: new Agent({ connections: 8 }),
  });
  const zip = await setupBigZip({ pushStore, signer: await createBenchSigner(), server, registry, tmp }, sizeMB);
  return { server, ...zip };
}
