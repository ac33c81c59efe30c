// Starts a REAL OCI registry for integration tests: the CNCF Distribution registry (Debian package
// docker-registry, /usr/bin/docker-registry) unless TF_OCI_TEST_REGISTRY selects Distribution v3 or
// crane's registry (test/support/registry-implementations.ts, docs/registries.md): a free 127.0.0.1
// port, a temp storage directory, deletes enabled, and one of three auth modes (none, htpasswd with
// bcrypt users, token auth against test/support/token-server.ts); plain HTTP, or HTTPS with a test
// certificate (OpenTofu's OCI client speaks HTTPS only). `kill()`/`restart()` simulate the registry
// going down. When the binary is missing, `requireTool` skips the tests loudly, or fails them when CI
// is set.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, openSync, closeSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, request } from 'undici';
import { registryTraits, selectedImplementation, type RegistryImplementation, type RegistryTraits } from './registry-implementations.js';
import { startTlsFront, type TlsFront } from './tls-front.js';

export const DOCKER_REGISTRY_BIN = '/usr/bin/docker-registry';
export { firstSkip, registryLabel, requireRegistry, type RegistryImplementation } from './registry-implementations.js';

export type DistributionAuth =
  | { kind: 'none' }
  | { kind: 'htpasswd'; users: Record<string, string> }
  | { kind: 'token'; realm: string; service: string; issuer: string; rootCertBundle: string };

/** HTTPS for the registry: certificate and key files, and the CA (PEM) that signed them. */
export interface DistributionTls {
  certPath: string;
  keyPath: string;
  ca: string;
}

export interface Distribution {
  /** e.g. http://127.0.0.1:41234 (https:// when started with TLS) */
  readonly url: string;
  readonly port: number;
  /** Temp directory holding config, storage and the registry log. */
  readonly dir: string;
  /** Which registry this is, what it offers and where it departs from the spec (registry-implementations.ts). */
  readonly implementation: RegistryImplementation;
  readonly traits: RegistryTraits;
  /** The file holding a blob's bytes in the registry's storage (tests that corrupt one in place). */
  blobFile(hex: string): string;
  /** SIGKILLs the registry (storage is kept): the registry "goes down". */
  kill(): Promise<void>;
  /** Starts it again on the same port and storage, waiting until /v2/ answers. */
  restart(): Promise<void>;
  /** Kills it and removes the temp directory. */
  stop(): Promise<void>;
}

function which(name: string): boolean {
  if (name.includes('/')) return existsSync(name);
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}

/**
 * Test options that skip (loudly) when a tool is missing, or throw when process.env.CI is set, so that
 * CI cannot silently pass without the real registry. Use as `describe('…', requireTool('x'), …)`.
 */
export function requireTool(...names: string[]): { skip?: string } {
  const missing = names.filter((n) => !which(n));
  if (missing.length === 0) return {};
  const message = `MISSING TOOL(S) ${missing.join(', ')}: integration tests against the real registry are SKIPPED`;
  if (process.env['CI']) throw new Error(`${message} — refusing to skip in CI`);
  process.stderr.write(`\n!!!!!!!! ${message} (install: apt-get install docker-registry apache2-utils openssl)\n\n`);
  return { skip: message };
}

/** A free TCP port on 127.0.0.1 (bound then released; the race is acceptable for tests). */
/**
 * Ports freePort has handed out in this test process. The kernel may give a just-closed port 0 socket's
 * port again, so two calls made before either port is bound (a server's port and its metrics port,
 * test/workers) could get the same one: each port is handed out once per process.
 */
const handedOut = new Set<number>();

export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const server = createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const address = server.address();
    server.close();
    await once(server, 'close');
    if (address === null || typeof address === 'string') throw new Error('no port');
    if (!handedOut.has(address.port)) {
      handedOut.add(address.port);
      return address.port;
    }
  }
  throw new Error('no port that was not handed out already');
}

function authYaml(dir: string, auth: DistributionAuth): string {
  switch (auth.kind) {
    case 'none':
      return '';
    case 'htpasswd': {
      const lines = Object.entries(auth.users).map(([user, password]) => {
        const r = spawnSync('htpasswd', ['-Bbn', user, password], { encoding: 'utf8' });
        if (r.status !== 0) throw new Error(`htpasswd failed: ${r.stderr}`);
        return r.stdout.trim();
      });
      const file = join(dir, 'htpasswd');
      writeFileSync(file, `${lines.join('\n')}\n`);
      return `auth:\n  htpasswd:\n    realm: basic-realm\n    path: ${file}\n`;
    }
    case 'token':
      return [
        'auth:',
        '  token:',
        `    realm: ${auth.realm}`,
        `    service: ${auth.service}`,
        `    issuer: ${auth.issuer}`,
        `    rootcertbundle: ${auth.rootCertBundle}`,
        '',
      ].join('\n');
  }
}

async function waitUntilUp(url: string, child: ChildProcess, logFile: string, ca?: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  const dispatcher = new Agent(ca ? { connect: { ca } } : {});
  try {
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`the registry exited with ${child.exitCode}; see ${logFile}`);
      if (await answers(`${url}/v2/`, dispatcher)) return;
      await sleep(50);
    }
  } finally {
    await dispatcher.close();
  }
  throw new Error(`the registry did not answer on ${url} within 30 s; see ${logFile}`);
}

/** True when /v2/ answers 200 or 401 (up, with or without auth). */
async function answers(url: string, dispatcher: Agent): Promise<boolean> {
  try {
    const res = await request(url, { dispatcher, signal: AbortSignal.timeout(1000) });
    await res.body.arrayBuffer();
    return res.statusCode === 200 || res.statusCode === 401;
  } catch {
    return false; // not listening yet
  }
}

/**
 * The YAML of a loopback Distribution 2.8 config: filesystem storage under `dataDir`, deletes on, upload
 * purging off, a fixed upload-state secret; the access log on only when asked (the benchmark counts
 * upstream requests with it). Auth sections are appended by the caller.
 */
export function distributionConfig(o: {
  port: number;
  dataDir: string;
  accessLog: boolean;
  relativeUrls?: boolean;
  tls?: DistributionTls;
  /** storage.delete.enabled (default true). */
  deleteEnabled?: boolean;
}): string {
  return [
    'version: 0.1',
    'log:',
    '  level: warn',
    '  accesslog:',
    `    disabled: ${o.accessLog ? 'false' : 'true'}`,
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${o.dataDir}`,
    '  delete:',
    `    enabled: ${o.deleteEnabled === false ? 'false' : 'true'}`,
    '  maintenance:',
    '    uploadpurging:',
    '      enabled: false',
    'http:',
    `  addr: 127.0.0.1:${o.port}`,
    '  secret: test-only-upload-state-secret',
    `  relativeurls: ${o.relativeUrls ? 'true' : 'false'}`,
    ...(o.tls ? ['  tls:', `    certificate: ${o.tls.certPath}`, `    key: ${o.tls.keyPath}`] : []),
    '',
  ].join('\n');
}

export interface StartOptions {
  auth?: DistributionAuth;
  relativeUrls?: boolean;
  tls?: DistributionTls;
  /** false: the registry refuses deletes (the default config enables them). */
  deleteEnabled?: boolean;
  /** Default: the one TF_OCI_TEST_REGISTRY selects (Distribution 2.8 when unset). */
  implementation?: RegistryImplementation;
}

/** The command line, the storage and the blob file layout of one implementation. */
interface Launch {
  args: string[];
  /** Port the registry process itself listens on (crane's sits behind a TLS front when TLS is asked). */
  processPort: number;
  blobFile(hex: string): string;
}

async function prepare(impl: RegistryImplementation, dir: string, port: number, opts: StartOptions): Promise<Launch> {
  const dataDir = join(dir, 'data');
  if (impl === 'crane') {
    if (opts.auth && opts.auth.kind !== 'none') throw new Error(`crane's registry has no ${opts.auth.kind} auth (docs/registries.md)`);
    const processPort = opts.tls ? await freePort() : port;
    mkdirSync(dataDir); // crane writes upload temp files there without creating it
    return {
      args: ['registry', 'serve', '--address', `127.0.0.1:${processPort}`, '--disk', dataDir],
      processPort,
      blobFile: (hex) => join(dataDir, 'sha256', hex),
    };
  }
  const configFile = join(dir, 'config.yml');
  writeFileSync(
    configFile,
    distributionConfig({
      port,
      dataDir,
      accessLog: false,
      relativeUrls: opts.relativeUrls ?? false,
      ...(opts.deleteEnabled === false ? { deleteEnabled: false } : {}),
      ...(opts.tls ? { tls: opts.tls } : {}),
    }) + authYaml(dir, opts.auth ?? { kind: 'none' }),
  );
  return {
    args: ['serve', configFile],
    processPort: port,
    blobFile: (hex) => join(dataDir, 'docker', 'registry', 'v2', 'blobs', 'sha256', hex.slice(0, 2), hex, 'data'),
  };
}

/** Starts a registry (the selected implementation unless told). Call `stop()` in an `after` hook. */
export async function startDistribution(opts: StartOptions = {}): Promise<Distribution> {
  const implementation = opts.implementation ?? selectedImplementation();
  const traits = registryTraits(implementation);
  if (!existsSync(traits.binary)) throw new Error(`${traits.label} is not installed at ${traits.binary}; build it with: ${traits.build}`);
  const dir = mkdtempSync(join(tmpdir(), 'tf-oci-distribution-'));
  const port = await freePort();
  const url = `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  const logFile = join(dir, 'registry.log');
  let launch: Launch;
  let front: TlsFront | undefined;
  try {
    launch = await prepare(implementation, dir, port, opts);
    // crane speaks plain HTTP only: TLS is terminated in front of it, on the port the tests see.
    if (implementation === 'crane' && opts.tls) front = await startTlsFront(opts.tls, port, launch.processPort);
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }

  let child: ChildProcess | undefined;
  // Never leave a registry behind if the test process dies without running its `after` hooks.
  const killOnExit = (): void => void child?.kill('SIGKILL');
  process.on('exit', killOnExit);
  async function start(): Promise<void> {
    const fd = openSync(logFile, 'a');
    child = spawn(traits.binary, launch.args, { stdio: ['ignore', fd, fd] });
    closeSync(fd);
    await waitUntilUp(url, child, logFile, opts.tls?.ca);
  }
  async function kill(): Promise<void> {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = once(c, 'exit');
    c.kill('SIGKILL');
    await exited;
  }

  try {
    await start();
  } catch (err) {
    await kill();
    await front?.close();
    throw err;
  }
  return {
    url,
    port,
    dir,
    implementation,
    traits,
    blobFile: launch.blobFile,
    kill,
    restart: async () => {
      await kill();
      await start();
    },
    stop: async () => {
      await kill();
      await front?.close();
      process.off('exit', killOnExit);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
