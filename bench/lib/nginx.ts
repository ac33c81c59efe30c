// The nginx anchors: Debian's nginx serving the very same JSON bodies as files under the very same URL
// paths (scenario 1), or relaying the registry as a reverse proxy (scenario 3: what a native copying proxy
// achieves), as an unprivileged foreground process with its own prefix, config, temp paths and pid file
// on 127.0.0.1. One process (master_process off): one event loop, like the single-threaded Node server.
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { NGINX_BIN, nginxConfig } from '../../test/support/nginx-conf.js';
import { freePort, spawnTracked, stopChild, waitForHttp } from './processes.js';

export { NGINX_BIN };

export interface StaticFile {
  /** URL path, e.g. /v1/providers/acme/widget/versions */
  path: string;
  body: Buffer;
}

export interface NginxAnchor {
  readonly url: string;
  readonly pid: number;
  stop(): Promise<void>;
}

export interface NginxSite {
  /** Directory served at /. */
  root: string;
  /** Body of the `types { }` block, e.g. `application/json json;` (empty: every file gets defaultType). */
  types: string;
  defaultType: string;
  /** HTTPS with this certificate and key (HTTP/1.1, like our server), else plain HTTP. */
  tls?: { certPath: string; keyPath: string };
  /** One line for the generated file's header comment. */
  comment: string;
  /** Reverse proxy to this origin (e.g. http://127.0.0.1:5000) instead of serving `root`. */
  proxyPass?: string;
  /** Write an access log (JSON lines, the server's access-line fields) to this file; off when absent. */
  accessLog?: string;
}

export interface NginxProcess {
  readonly url: string;
  readonly child: ChildProcess;
  readonly conf: string;
  stop(): Promise<void>;
}

/**
 * Writes an nginx config for one static site under `dir` (own prefix, temp paths, pid and logs; one
 * foreground process) on a free 127.0.0.1 port and starts nginx. The caller waits for readiness.
 */
export async function spawnNginx(dir: string, site: NginxSite): Promise<NginxProcess> {
  const port = await freePort();
  const conf = join(dir, 'nginx.conf');
  const listen = site.tls
    ? `listen 127.0.0.1:${port} ssl;\n    ssl_certificate ${site.tls.certPath};\n    ssl_certificate_key ${site.tls.keyPath};`
    : `listen 127.0.0.1:${port};`;
  writeFileSync(
    conf,
    nginxConfig({
      dir,
      generatedBy: `bench/lib/nginx.ts: ${site.comment}`,
      workerConnections: 4096,
      http: `  ${accessLogDirectives(site.accessLog)}
  types { ${site.types} }
  default_type ${site.defaultType};
  sendfile on;
  tcp_nopush on;
  tcp_nodelay on;
  keepalive_timeout 65;
  keepalive_requests 10000000;
  # Cache open file descriptors: without it every request pays open/fstat/close.
  open_file_cache max=1000 inactive=600s;
  open_file_cache_valid 3600s;
  server {
    ${listen}
    root ${site.root};
    location / { ${site.proxyPass ? proxyLocation(site.proxyPass) : 'try_files $uri =404;'} }
  }`,
    }),
  );
  const child = spawnTracked(NGINX_BIN, ['-p', dir, '-c', conf, '-e', join(dir, 'logs', 'error.log')]);
  const url = `${site.tls ? 'https://localhost' : 'http://127.0.0.1'}:${port}`;
  return { url, child, conf, stop: () => stopChild(child) };
}

/**
 * nginx's access log in the shape of the server's access line (one JSON object per request: time, request
 * id, method, path, status, duration, bytes, user agent), written to a file as an operator would run it;
 * `off` when not asked for.
 */
function accessLogDirectives(file: string | undefined): string {
  if (!file) return 'access_log off;';
  return `log_format json_line escape=json '{"level":30,"time":$msec,"reqId":"$request_id","method":"$request_method",'
    '"path":"$uri","status":$status,"ms":$request_time,"bytes":$body_bytes_sent,"ua":"$http_user_agent","msg":"request"}';
  access_log ${file} json_line;`;
}

/**
 * A streaming relay: upstream keep-alive, responses buffered in memory only (never spooled to a temp file,
 * which would put the disk in the path), 16 x 256 KiB buffers per request.
 */
function proxyLocation(origin: string): string {
  return `proxy_pass ${origin};
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering on;
      proxy_buffers 16 256k;
      proxy_buffer_size 256k;
      proxy_busy_buffers_size 512k;
      proxy_max_temp_file_size 0;`;
}

/** nginx as a reverse proxy of `origin` (plain HTTP): the native-proxy anchor of the downloads scenario. */
export async function startNginxProxy(dir: string, origin: string): Promise<NginxAnchor> {
  const nginx = await spawnNginx(dir, {
    root: dir,
    types: '',
    defaultType: 'application/octet-stream',
    comment: `reverse proxy of ${origin}`,
    proxyPass: origin,
  });
  await readyOrStop(nginx, `${nginx.url}/v2/`, `nginx proxy (conf ${nginx.conf})`);
  return { url: nginx.url, pid: nginx.child.pid!, stop: nginx.stop };
}

/**
 * nginx serving `files` (the very same bodies under the very same paths) as JSON over plain HTTP; with
 * `accessLog`, one JSON line per request to `<dir>/logs/access.log` (as the server under test logs).
 */
export async function startNginx(dir: string, files: StaticFile[], opts: { accessLog?: boolean } = {}): Promise<NginxAnchor> {
  const www = join(dir, 'www');
  for (const f of files) {
    const file = join(www, decodeURIComponent(f.path));
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, f.body);
  }
  const nginx = await spawnNginx(dir, {
    root: www,
    types: '',
    defaultType: 'application/json',
    comment: 'the metadata anchor',
    ...(opts.accessLog ? { accessLog: join(dir, 'logs', 'access.log') } : {}),
  });
  await readyOrStop(nginx, `${nginx.url}/`, `nginx (conf ${nginx.conf})`);
  return { url: nginx.url, pid: nginx.child.pid!, stop: nginx.stop };
}

/** Waits until nginx answers on `url`; stops it when it does not (so a retried start leaves no stray process). */
async function readyOrStop(nginx: NginxProcess, url: string, what: string): Promise<void> {
  try {
    await waitForHttp(url, nginx.child, what, 60_000);
  } catch (err) {
    await nginx.stop();
    throw err;
  }
}
