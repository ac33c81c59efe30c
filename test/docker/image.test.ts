// The production image, built from the Dockerfile with podman (docker/build-image.sh) and run with the
// `podman run` command line docs/docker.md prints (test paths and ports substituted): non-root, read-only
// root filesystem, configuration from the environment and from the mounted TOML file, secrets from files,
// the HEALTHCHECK, a provider published through the container with `tf-oci-registry publish` (real
// GnuPG signature), the real terraform installing it, and a graceful stop.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmod, copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, request } from 'undici';
import { hashToken } from '../../src/auth/api-tokens.js';
import { hostBlock, mainTf, NAMESPACE, TYPE } from '../e2e/fixtures.js';
import { runCli } from '../support/cli.js';
import { freePort, requireTool } from '../support/distribution.js';
import { createTestSigner, type TestSigner } from '../support/gpg-signer.js';
import { buildTestProvider, hostPlatform, type ProviderRelease } from '../support/provider-build.js';
import { terraformSkipReason, terraformWorkspace, type TerraformWorkspace } from '../support/terraform.js';
import { createTestTls, type TestTls } from '../support/tls.js';
import { buildImage, docBlocks, documentedCommand, podman, podmanOk, podmanTools, substitute } from './podman.js';

const IMAGE = 'localhost/tf-oci-registry:test';
const HOSTNAME = 'registry.example.test';
const TOKEN = 'docker-test-token-0123456789abcdef';
const tools = podmanTools();
const skip = tools.skip || terraformSkipReason() || requireTool('gpg', 'zip', 'go', 'openssl').skip || false;

describe('the Docker image (podman)', { skip, timeout: 60 * 60_000 }, () => {
  const id = `${process.pid}-${randomBytes(3).toString('hex')}`;
  const name = `tfoci-test-${id}`;
  const volume = `tfoci-test-data-${id}`;
  let dir: string;
  let tls: TestTls;
  let signer: TestSigner;
  let release: ProviderRelease;
  let url: string;
  let dispatcher: Agent;
  let started = false;
  const workspaces: TerraformWorkspace[] = [];

  const logs = async () => {
    const r = await podman(['logs', name]);
    return r.stdout + r.stderr;
  };
  const exec = (args: string[]) => podman(['exec', name, ...args]);

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tfoci-docker-'));
    await chmod(dir, 0o755);
    // Image build (cached), TLS, signing key and release in the meantime.
    const [image] = await Promise.all([
      buildImage(IMAGE),
      (async () => {
        tls = await createTestTls(['localhost', '127.0.0.1', HOSTNAME]);
        signer = await createTestSigner();
        release = await buildTestProvider({
          version: '1.0.0',
          platforms: [hostPlatform()],
          outDir: join(dir, 'dist'),
          sign: (p) => signer.sign(p),
        });
      })(),
    ]);
    assert.equal(image, IMAGE);

    // What the operator puts next to the documented command: the TOML file of docs/docker.md plus
    // service-mode tokens (only in the file: the container then refuses anonymous writes), TLS files, secret.
    const docToml = docBlocks('toml')[0];
    assert.ok(docToml?.includes('[server.tls]'), 'docs/docker.md shows the mounted TOML file');
    const toml =
      `${docToml}\n[server]\nregistry_hostname = "${HOSTNAME}"\n\n[auth]\nmode = "service"\n` +
      `[[auth.tokens]]\nname = "release"\nsha256 = "${hashToken(TOKEN)}"\npermissions = ["providers:*", "provider-versions:*", "gpg-keys:*"]\n`;
    await writeFile(join(dir, 'tf-oci-registry.toml'), toml, { mode: 0o644 });
    await mkdir(join(dir, 'tls'), { mode: 0o755 });
    await mkdir(join(dir, 'secrets'), { mode: 0o755 });
    // Readable by uid 1000 in the container (the key file openssl wrote is the test's own copy).
    for (const f of ['cert.pem', 'key.pem']) {
      await copyFile(join(tls.dir, f), join(dir, 'tls', f));
      await chmod(join(dir, 'tls', f), 0o644);
    }
    await writeFile(join(dir, 'secrets', 'download-secret'), `${randomBytes(32).toString('base64url')}\n`, { mode: 0o644 });
    await writeFile(join(dir, 'key.asc'), signer.publicKeyArmored);

    const port = await freePort();
    url = `https://localhost:${port}`;
    const words = substitute(documentedCommand('podman run '), [
      [`--name`, `--name=${name}`],
      ['tf-oci-registry-data:', `${volume}:`],
      ['./tf-oci-registry.toml:', `${dir}/tf-oci-registry.toml:`],
      ['./tls:', `${dir}/tls:`],
      ['./secrets:', `${dir}/secrets:`],
      ['TF_OCI_REGISTRY_SERVER_PUBLIC_URL=https://registry.example.com:8443', `TF_OCI_REGISTRY_SERVER_PUBLIC_URL=${url}`],
      ['8443:8080', `127.0.0.1:${port}:8080`],
      ['localhost/tf-oci-registry:latest', IMAGE],
    ]);
    // `--name tf-oci-registry` became `--name=<test name> tf-oci-registry`: drop the documented name.
    const nameAt = words.indexOf(`--name=${name}`);
    words.splice(nameAt + 1, 1);
    assert.deepEqual(words.slice(0, 3), ['podman', 'run', '-d']);
    // --health-interval=disable: the test runs the check itself (no systemd timers here).
    await podmanOk([...words.slice(1, 3), '--health-interval=disable', ...words.slice(3)]);
    started = true;

    dispatcher = new Agent({ connect: { ca: tls.ca } });
    const deadline = Date.now() + 120_000;
    for (;;) {
      try {
        const res = await request(`${url}/healthz`, { dispatcher });
        await res.body.text();
        if (res.statusCode === 200) break;
      } catch {
        // not up yet
      }
      const state = (await podman(['inspect', name, '--format', '{{.State.Status}}'])).stdout.trim();
      if (state !== 'running') throw new Error(`the container is ${state}:\n${await logs()}`);
      if (Date.now() > deadline) throw new Error(`no /healthz within 120 s:\n${await logs()}`);
      await sleep(250);
    }
  });

  after(async () => {
    for (const ws of workspaces) await ws.cleanup();
    if (started) {
      await podman(['rm', '-f', '-t', '5', name]);
      await podman(['volume', 'rm', '-f', volume]);
    }
    await dispatcher?.close();
    await signer?.cleanup();
    await tls?.cleanup();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('is built from the Dockerfile: non-root user, HEALTHCHECK, data volume, port 8080; its size is reported', async () => {
    const [inspected] = JSON.parse(await podmanOk(['image', 'inspect', IMAGE])) as Array<{
      Size: number;
      Healthcheck?: { Test: string[]; Interval: number; Timeout: number; Retries: number };
      Config: { User: string; Volumes?: Record<string, unknown>; ExposedPorts?: Record<string, unknown>; Entrypoint: string[] };
    }>;
    const config = inspected!.Config;
    assert.equal(config.User, 'node');
    // The image's HEALTHCHECK (kept by --format docker; podman's inspect shows it beside Config).
    assert.deepEqual(inspected!.Healthcheck?.Test, ['CMD', 'node', '/app/docker/healthcheck.mjs']);
    assert.equal(inspected!.Healthcheck?.Interval, 30e9);
    assert.ok(config.Volumes && '/var/lib/tf-oci-registry' in config.Volumes, JSON.stringify(config.Volumes));
    assert.ok(config.ExposedPorts && '8080/tcp' in config.ExposedPorts, JSON.stringify(config.ExposedPorts));
    assert.deepEqual(config.Entrypoint, ['node', '--no-memory-reducer', '--initial-old-space-size=96', '/app/bin/tf-oci-registry.js']);
    const size = inspected!.Size;
    console.log(`# image ${IMAGE}: ${(size / 1e6).toFixed(0)} MB`);
    assert.ok(size > 50e6 && size < 600e6, `image size ${size}`);
    // Production dependencies only: no TypeScript compiler, no test runner's tsx, no sources.
    const listing = await podmanOk([
      'run',
      '--rm',
      '--entrypoint',
      'sh',
      IMAGE,
      '-c',
      'ls /app; find /app/node_modules -name package.json',
    ]);
    assert.match(listing, /^dist$/m);
    assert.match(listing, /node_modules\/hono\/package\.json/);
    assert.doesNotMatch(listing, /^(src|test)$|node_modules\/(typescript|tsx|esbuild|@biomejs\/[^/]+|dependency-cruiser)\/package\.json/m);
  });

  it('runs as uid 1000, not root', async () => {
    const r = await exec(['id', '-u']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), '1000');
    const top = await podmanOk(['top', name, 'user', 'args']);
    // The ENTRYPOINT starts node with the heap flags (src/cli/heap-flags.ts).
    assert.match(top, /node\s+node --no-memory-reducer --initial-old-space-size=96 \/app\/bin\/tf-oci-registry\.js serve/);
  });

  it('has a read-only root filesystem; only the data volume and /tmp are written', async () => {
    assert.equal((await podmanOk(['inspect', name, '--format', '{{.HostConfig.ReadonlyRootfs}}'])).trim(), 'true');
    const app = await exec(['sh', '-c', 'echo x > /app/written']);
    assert.notEqual(app.code, 0);
    assert.match(app.stderr, /Read-only file system/);
    const etc = await exec(['sh', '-c', 'echo x > /etc/tf-oci-registry/written']);
    assert.match(etc.stderr, /Read-only file system/);
    const tmp = await exec(['sh', '-c', 'echo x > /tmp/written && rm /tmp/written']);
    assert.equal(tmp.code, 0, tmp.stderr);
  });

  it('takes its configuration from the environment and from the mounted file', async () => {
    const log = await logs();
    // Environment: the public URL; the download secret from its _FILE (no random-secret warning).
    assert.match(log, new RegExp(`"publicUrl":"${url}/"`));
    assert.doesNotMatch(log, /no server\.secrets configured/);
    // The image's own environment: the layout store in the data volume.
    assert.match(log, /"store":"oci-layout:\/var\/lib\/tf-oci-registry"/);
    // The mounted file: TLS (we are talking https) and service mode with its token.
    assert.match(log, /auth\.mode = \\"service\\"/);
    const anonymous = await request(`${url}/api/v1/gpg-keys`, { method: 'POST', dispatcher, body: '{}' });
    await anonymous.body.text();
    assert.equal(anonymous.statusCode, 401);
    const discovery = await request(`${url}/.well-known/terraform.json`, { dispatcher });
    assert.equal(discovery.statusCode, 200);
    assert.ok(((await discovery.body.json()) as Record<string, string>)['providers.v1']);
  });

  it('HEALTHCHECK: healthy while serving; the same check fails where nothing listens', async () => {
    const healthy = await podman(['healthcheck', 'run', name]);
    assert.equal(healthy.code, 0, healthy.stdout + healthy.stderr);
    const direct = await exec(['node', '/app/docker/healthcheck.mjs']);
    assert.equal(direct.code, 0, direct.stderr);
    assert.match(direct.stdout, /healthy: https:\/\/127\.0\.0\.1:8080\/healthz answered 200/);
    const wrong = await podman(['exec', '-e', 'TF_OCI_REGISTRY_SERVER_LISTEN=0.0.0.0:1', name, 'node', '/app/docker/healthcheck.mjs']);
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /unhealthy: .*ECONNREFUSED/);
  });

  it('publishes a provider through the container with `tf-oci-registry publish`, and terraform installs it', async () => {
    const cliEnv = { TF_OCI_REGISTRY_URL: url, TF_OCI_REGISTRY_TOKEN: TOKEN, NODE_EXTRA_CA_CERTS: tls.caPath };
    const published = await runCli(['publish', release.outDir, '--namespace', NAMESPACE, '--key', join(dir, 'key.asc')], cliEnv);
    assert.equal(published.code, 0, published.stdout + published.stderr);
    assert.match(published.stderr, /created version ver-acme\.tfocitest\.1\.0\.0/);
    // The version is in the data volume, not in the container's layer.
    const stored = await exec(['sh', '-c', 'ls -R /var/lib/tf-oci-registry/providers']);
    assert.match(stored.stdout, /acme\/tfocitest/);
    assert.match(stored.stdout, /^blobs$/m);

    const address = `${HOSTNAME}/${NAMESPACE}/${TYPE}`;
    const ws = await terraformWorkspace({
      cliConfig: hostBlock(HOSTNAME, url, `credentials "${HOSTNAME}" {\n  token = "${TOKEN}"\n}\n`),
      files: mainTf(address, '~> 1.0'),
      env: { SSL_CERT_FILE: tls.caPath },
    });
    workspaces.push(ws);
    const init = await ws.runOk(['init', '-input=false']);
    assert.match(init.flat, /Installed registry\.example\.test\/acme\/tfocitest v1\.0\.0/);
    const lock = (await ws.readLockFile())![address]!;
    assert.equal(lock.version, '1.0.0');
    assert.ok(lock.hashes.includes(release.packages[0]!.h1), `lock has h1 ${release.packages[0]!.h1}: ${lock.hashes}`);
  });

  it('HEALTHCHECK follows `serve --config FILE` given as the container command (no TF_OCI_REGISTRY_CONFIG)', async () => {
    const other = `${name}-cmd`;
    await podmanOk([
      'run',
      '-d',
      '--name',
      other,
      '--health-interval=disable',
      '--read-only',
      '--tmpfs',
      '/tmp',
      '-v',
      `${dir}/tf-oci-registry.toml:/etc/tf-oci-registry/config.toml:ro`,
      '-v',
      `${dir}/tls:/etc/tf-oci-registry/tls:ro`,
      '-e',
      'TF_OCI_REGISTRY_SERVER_PUBLIC_URL=https://localhost:8443',
      IMAGE,
      'serve',
      '--config',
      '/etc/tf-oci-registry/config.toml',
    ]);
    try {
      // The TLS settings are only in the file: a check that missed it would ask over http and fail.
      const deadline = Date.now() + 120_000;
      let last = await podman(['exec', other, 'node', '/app/docker/healthcheck.mjs']);
      while (last.code !== 0 && Date.now() < deadline) {
        await sleep(500);
        last = await podman(['exec', other, 'node', '/app/docker/healthcheck.mjs']);
      }
      assert.equal(last.code, 0, last.stdout + last.stderr + (await podman(['logs', other])).stderr);
      assert.match(last.stdout, /healthy: https:\/\/127\.0\.0\.1:8080\/healthz answered 200/);
      const check = await podman(['healthcheck', 'run', other]);
      assert.equal(check.code, 0, check.stdout + check.stderr);
    } finally {
      await podman(['rm', '-f', '-v', '-t', '5', other]);
    }
  });

  it('stops gracefully on SIGTERM (podman stop): exit code 0', async () => {
    await podmanOk(['stop', '-t', '20', name], 60_000);
    const code = (await podmanOk(['inspect', name, '--format', '{{.State.ExitCode}}'])).trim();
    assert.equal(code, '0', await logs());
    assert.match(await logs(), /"signal":"SIGTERM".*shutting down/);
  });
});
