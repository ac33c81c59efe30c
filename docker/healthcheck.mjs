#!/usr/bin/env node
// The image's HEALTHCHECK (docs/docker.md#health): GET /healthz on the server's own listener, found by
// loading the configuration exactly as `serve` does (TF_OCI_REGISTRY_* variables, TF_OCI_REGISTRY_CONFIG,
// else a --config given to the container's main process), over https when TLS is on. Loopback only, so
// the certificate is not checked (its name is the public one). Exit 0 when healthy, 1 otherwise.
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

const TIMEOUT_MS = 4000;

/** `serve --config FILE` (or -c FILE, --config=FILE) of the container's first process, if any. */
function mainProcessConfig() {
  let args;
  try {
    args = readFileSync('/proc/1/cmdline', 'utf8').split('\0');
  } catch {
    return undefined;
  }
  for (let i = 0; i < args.length; i++) {
    if ((args[i] === '--config' || args[i] === '-c') && args[i + 1]) return args[i + 1];
    if (args[i].startsWith('--config=')) return args[i].slice('--config='.length);
  }
  return undefined;
}

async function main() {
  const { loadCommandConfig } = await import(new URL('../dist/cli/config-file.js', import.meta.url).href);
  const config = loadCommandConfig(mainProcessConfig(), process.env);
  const { host, port } = config.server.listen;
  const target = host === '0.0.0.0' || host === '::' || host === '' ? '127.0.0.1' : host;
  const https = Boolean((config.server.tls.cert && config.server.tls.key) || config.server.tls.selfSigned);
  const request = https ? httpsRequest : httpRequest;
  const status = await new Promise((resolve, reject) => {
    const req = request(
      { host: target, port, path: '/healthz', method: 'GET', timeout: TIMEOUT_MS, rejectUnauthorized: false },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${TIMEOUT_MS} ms`)));
    req.on('error', reject);
    req.end();
  });
  const url = `${https ? 'https' : 'http'}://${target}:${port}/healthz`;
  if (status !== 200) throw new Error(`${url} answered ${status}`);
  process.stdout.write(`healthy: ${url} answered 200\n`);
}

main().catch((err) => {
  process.stderr.write(`unhealthy: ${err.message}\n`);
  process.exit(1);
});
