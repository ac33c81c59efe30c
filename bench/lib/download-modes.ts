// The download modes of the downloads scenario beside proxy mode (docs/mirror.md#download-modes and
// #download-offload): a server in `direct` mode (its download URL is the registry's blob URL), and a server
// with `download_offload = "x-accel-redirect"` behind nginx running the offload site of docs/mirror.md
// (nginx fetches the blob from the registry itself). Plus what a download costs the processes carrying its
// bytes: CPU time and minor page faults read from /proc before and after.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nginxConfig } from '../../test/support/nginx-conf.js';
import { NGINX_BIN, type NginxAnchor } from './nginx.js';
import { readProcStat } from './proc-stat.js';
import { childPids, freePort, spawnTracked, stopChild, waitForHttp } from './processes.js';
import { startServer, type ServerProcess } from './server.js';

/** CPU ms (user + system) and minor page faults of processes and their live children, from /proc. */
export function procCost(pids: readonly number[]): { cpuMs: number; faults: number } {
  let cpuMs = 0;
  let faults = 0;
  for (const pid of pids.flatMap((p) => [p, ...childPids(p)])) {
    try {
      const stat = readProcStat(pid);
      cpuMs += stat.cpuMs;
      faults += stat.minflt;
    } catch {
      // gone
    }
  }
  return { cpuMs, faults };
}

/** Runs `run` (which moves `bytes`) and returns its result with the CPU-s per GB and faults per 100 MB of `pids`. */
export async function withCost<T>(
  pids: readonly number[],
  bytes: (r: T) => number,
  run: () => Promise<T>,
): Promise<{ result: T; cpuPerGB: number; faultsPer100MB: number }> {
  const a = procCost(pids);
  const result = await run();
  const b = procCost(pids);
  const n = bytes(result);
  return { result, cpuPerGB: (b.cpuMs - a.cpuMs) / 1000 / (n / 1e9), faultsPer100MB: (b.faults - a.faults) / (n / 1e8) };
}

/** A second server in direct mode (anonymous registry reads: auth.mode = "none") on the same provider names. */
export async function startDirectServer(root: string, registryUrl: string, logDir: string, main: ServerProcess): Promise<ServerProcess> {
  mkdirSync(logDir, { recursive: true });
  return startServer({
    root,
    registryUrl,
    logDir,
    env: {
      TF_OCI_REGISTRY_SERVER_DOWNLOAD_MODE: 'direct',
      TF_OCI_REGISTRY_AUTH_MODE: 'none',
      TF_OCI_REGISTRY_SERVER_REGISTRY_HOSTNAME: main.registryHostname,
    },
  });
}

export interface OffloadStack {
  /** nginx's origin: the main server's download paths work here (same secret). */
  url: string;
  server: ServerProcess;
  nginx: NginxAnchor;
  stop(): Promise<void>;
}

/** A server with download_offload = "x-accel-redirect" behind nginx (the offload site of docs/mirror.md). */
export async function startOffloadStack(root: string, registryUrl: string, dir: string): Promise<OffloadStack> {
  mkdirSync(dir, { recursive: true });
  const server = await startServer({
    root,
    registryUrl,
    logDir: dir,
    env: { TF_OCI_REGISTRY_SERVER_DOWNLOAD_OFFLOAD: 'x-accel-redirect' },
  });
  try {
    const port = await freePort();
    const conf = join(dir, 'nginx.conf');
    writeFileSync(
      conf,
      nginxConfig({
        dir,
        generatedBy: 'bench/lib/download-modes.ts: the offload site of docs/mirror.md#download-offload, plain HTTP',
        workerConnections: 4096,
        http: `  access_log off;
  upstream tf_oci_registry_server { server ${new URL(server.url).host}; keepalive 16; }
  upstream oci_registry { server ${new URL(registryUrl).host}; keepalive 16; }
  server {
    listen 127.0.0.1:${port};
    client_max_body_size 0;
    proxy_request_buffering off;
    proxy_buffering off;
    location / {
      proxy_pass http://tf_oci_registry_server;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Tf-Oci-Download-Offload x-accel-redirect;
    }
    location /_tf_oci_blobs/ {
      internal;
      set $tf_oci_registry_authorization $upstream_http_x_tf_oci_registry_authorization;
      proxy_set_header Authorization $tf_oci_registry_authorization;
      proxy_pass http://oci_registry/;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering on;
      proxy_buffers 16 256k;
      proxy_buffer_size 256k;
      proxy_busy_buffers_size 512k;
      proxy_max_temp_file_size 0;
    }
  }`,
      }),
    );
    const child = spawnTracked(NGINX_BIN, ['-p', dir, '-c', conf, '-e', join(dir, 'logs', 'error.log')]);
    const url = `http://127.0.0.1:${port}`;
    try {
      await waitForHttp(`${url}/healthz`, child, `nginx offload front (conf ${conf})`, 60_000);
    } catch (err) {
      await stopChild(child);
      throw err;
    }
    const nginx: NginxAnchor = { url, pid: child.pid!, stop: () => stopChild(child) };
    return {
      url,
      server,
      nginx,
      async stop() {
        await nginx.stop();
        await server.stop();
      },
    };
  } catch (err) {
    await server.stop();
    throw err;
  }
}
