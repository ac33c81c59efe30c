// Composition root and CLI: `tf-oci-registry serve [--config FILE]`. The only module that reads
// process.env and argv or exits the process; it loads the config, builds the dependencies and serves.
import { readFileSync, existsSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { getRequestListener } from '@hono/node-server';
import { ConfigError, loadConfig, type Config } from './config/load.js';
import { createLogger, createServerApp, createStore } from './server/build-deps.js';
import { ensureDevTls } from './server/dev-tls.js';
import { startupBanner } from './server/banner.js';

const USAGE = `Usage: tf-oci-registry serve [--config FILE]

Serves the Terraform/OpenTofu provider registry (providers.v1), the provider network
mirror and downloads from an OCI registry or a local OCI image-layout directory.

Configuration: a TOML file (--config, or $TF_OCI_REGISTRY_CONFIG, or ./tf-oci-registry.toml
when present), every key overridable by TF_OCI_REGISTRY_<SECTION>_<KEY> environment
variables. See config.example.toml; access control (auth.mode = delegate | service | none):
docs/auth.md.`;

export async function runCli(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    console.log(USAGE);
    return;
  }
  if (command !== 'serve') {
    console.error(`unknown command "${command}"\n\n${USAGE}`);
    process.exit(2);
  }
  let configPath: string | undefined = process.env.TF_OCI_REGISTRY_CONFIG;
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i]!;
    if (a === '--config' || a === '-c') configPath = rest[++i];
    else if (a.startsWith('--config=')) configPath = a.slice('--config='.length);
    else {
      console.error(`unknown option "${a}"\n\n${USAGE}`);
      process.exit(2);
    }
  }
  if (configPath === undefined && existsSync('tf-oci-registry.toml')) configPath = 'tf-oci-registry.toml';

  let config: Config;
  try {
    const env = { ...process.env };
    delete env.TF_OCI_REGISTRY_CONFIG;
    config = loadConfig({
      ...(configPath !== undefined ? { fileText: readFileSync(configPath, 'utf8'), fileName: configPath } : {}),
      env,
      readFile: (p) => readFileSync(p, 'utf8'),
      randomSecret: () => randomBytes(32).toString('base64url'),
    });
  } catch (err) {
    console.error(err instanceof ConfigError ? `configuration error: ${err.message}` : `cannot read configuration: ${(err as Error).message}`);
    process.exit(2);
  }
  await serveConfig(config);
}

async function serveConfig(config: Config): Promise<void> {
  const logger = createLogger(config.log.level);
  if (config.server.secretsGenerated) {
    logger.warn('no server.secrets configured: using a random secret; download URLs will not survive a restart or work across replicas');
  }
  warnAboutAuth(config, logger);
  const store = createStore(config, logger);
  const { app, hotLane } = createServerApp(config, logger, store);

  let caFile: string | undefined;
  let tls: { cert: Buffer; key: Buffer } | undefined;
  if (config.server.tls.cert && config.server.tls.key) {
    tls = { cert: readFileSync(config.server.tls.cert), key: readFileSync(config.server.tls.key) };
  } else if (config.server.tls.selfSigned) {
    const dev = ensureDevTls(join(config.storage.path, 'tls'), [config.server.publicUrl.hostname]);
    tls = { cert: readFileSync(dev.certFile), key: readFileSync(dev.keyFile) };
    caFile = dev.caFile;
  }

  // @hono/node-server's listener for app.fetch, behind the hot lane (src/http/hot-lane.ts).
  const listener = hotLane(getRequestListener(app.fetch, { hostname: config.server.listen.host }));
  const server = tls ? createHttpsServer({ cert: tls.cert, key: tls.key }, listener) : createHttpServer(listener);
  server.once('error', (err) => {
    logger.fatal({ err }, `cannot listen on ${config.server.listen.host}:${config.server.listen.port}`);
    process.exit(1);
  });
  server.listen(config.server.listen.port, config.server.listen.host, () => {
    const info = server.address() as AddressInfo;
    logger.info({ address: info.address, port: info.port, store: store.describe, publicUrl: config.server.publicUrl.href }, 'listening');
    process.stdout.write(startupBanner(config, caFile));
  });
  const shutdown = (signal: string) => {
    logger.info({ signal }, 'shutting down');
    server.close(() => process.exit(0));
    setTimeout(() => process.exit(0), 10_000).unref();
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

/** Start-up notes on the access-control mode (docs/auth.md); never prints a credential. */
function warnAboutAuth(config: Config, logger: ReturnType<typeof createLogger>): void {
  const { mode } = config.auth;
  if (mode === 'none' && config.storage.kind === 'registry') {
    logger.warn('auth.mode = "none": every caller reads AND publishes with the storage credential; use "delegate" or "service" beyond a trusted network');
  } else if (mode === 'none') {
    logger.info('auth.mode = "none": no access control (local layout store); set auth.mode = "service" to require API tokens');
  } else if (mode === 'service') {
    logger.info({ tokens: config.auth.tokens.map((t) => t.name), anonymousRead: config.auth.anonymousRead }, 'auth.mode = "service": API tokens checked against the permission table');
  } else {
    logger.info({ tokenAs: config.auth.delegate.tokenAs }, 'auth.mode = "delegate": callers\' tokens are used upstream; the registry decides');
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await runCli(process.argv.slice(2));
}
