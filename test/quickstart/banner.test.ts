// The start-up banner keeps its promises: a real server started like `npm start` (layout store,
// self-signed development TLS, the dotted dev registry hostname of config.dev.toml) prints a CLI
// configuration, addresses, a network mirror block, a lock command and CA advice; this test copies them
// VERBATIM from the server's output (only `<namespace>/<type>`-style placeholders are filled in), publishes
// a real provider with `tf-oci-registry publish` and the printed NODE_EXTRA_CA_CERTS, and a module, and runs
// with terraform and tofu: `init` of the printed provider address, `init` through the printed network
// mirror, the printed `providers lock` command, `init` of the printed module address, with the printed
// SSL_CERT_FILE; and curl with the printed CURL_CA_BUNDLE and --cacert (docs/terraform.md#quick-start).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'undici';
import { ensureDevTls } from '../../src/cli/dev-tls.js';
import { zipOf } from '../modules/support/archives.js';
import { runCli } from '../support/cli.js';
import { createTestSigner, type TestSigner } from '../support/gpg-signer.js';
import { buildTestProvider, type ProviderRelease } from '../support/provider-build.js';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';
import { cliSkipReason, requireCli, TERRAFORM, terraformWorkspace, TOFU, type CliTool } from '../support/terraform.js';

const run = promisify(execFile);
const DEV_HOST = 'registry.example.test';

/** The lines of `banner` after the line matching `start`, up to the first blank line, without their indent. */
function blockAfter(banner: string, start: RegExp): string {
  const lines = banner.split('\n');
  let i = lines.findIndex((l) => start.test(l)) + 1;
  assert.ok(i > 0, `no ${start} in the banner:\n${banner}`);
  while (lines[i]?.trim() === '') i++;
  const out: string[] = [];
  for (; i < lines.length && lines[i]!.trim() !== ''; i++) out.push(lines[i]!.replace(/^ {4}/, ''));
  return `${out.join('\n')}\n`;
}

/** The lines indented by 4 spaces right after the line matching `start` (a block inside a paragraph). */
function indentedAfter(banner: string, start: RegExp): string {
  const lines = banner.split('\n');
  const i = lines.findIndex((l) => start.test(l)) + 1;
  assert.ok(i > 0, `no ${start} in the banner:\n${banner}`);
  const out: string[] = [];
  for (let j = i; j < lines.length && /^ {4}[^ (]|^ {5,}/.test(lines[j]!); j++) out.push(lines[j]!.slice(4));
  return `${out.join('\n')}\n`;
}

/** The printed value of `name=` in an `export name=value` line of the banner. */
const exported = (banner: string, name: string): string => {
  const m = new RegExp(`export ${name}=(\\S+)`).exec(banner);
  assert.ok(m, `no export ${name}= in the banner:\n${banner}`);
  return m[1]!;
};

const HOST_BLOCK = /\(or add it to ~\/\.terraformrc \/ ~\/\.tofurc\):/;
const NAMESPACE = 'acme';
const TYPE = 'tfocitest';

describe('the quick start banner, run verbatim', { timeout: 600_000 }, () => {
  let server: ServerProcess;
  let dataDir: string;
  let banner: string;
  let ca: string;
  let signer: TestSigner;
  let release: ProviderRelease;

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'tfoci-quick-'));
    // What `serve` makes with server.tls.self_signed (made first so that the test can poll /healthz).
    ca = readFileSync(ensureDevTls(join(dataDir, 'tls'), ['localhost']).caFile, 'utf8');
    server = await startServerProcess({
      ca,
      env: {
        TF_OCI_REGISTRY_STORAGE_PATH: dataDir,
        TF_OCI_REGISTRY_SERVER_TLS_SELF_SIGNED: 'true',
        TF_OCI_REGISTRY_SERVER_REGISTRY_HOSTNAME: DEV_HOST,
      },
    });
    banner = server.logs.join('');
    // A module to install, published through the API.
    const dispatcher = new Agent({ connect: { ca } });
    const api = async (method: 'POST' | 'PUT', path: string, body: Buffer | string, type: string) => {
      const res = await request(`${server.url}${path}`, { method, body, headers: { 'content-type': type }, dispatcher });
      const text = await res.body.text();
      assert.ok(res.statusCode < 300, `${method} ${path}: ${res.statusCode} ${text}`);
    };
    await api(
      'POST',
      '/api/v1/modules',
      JSON.stringify({ data: { type: 'modules', attributes: { namespace: 'acme', name: 'network', system: 'aws' } } }),
      'application/vnd.api+json',
    );
    await api(
      'PUT',
      '/api/v1/modules/mod-acme.network.aws/versions/1.0.0',
      await zipOf([{ name: 'main.tf', content: 'output "id" { value = "net" }\n' }]),
      'application/zip',
    );
    // A provider for the printed provider address, mirror and lock command: built from test/fixtures/provider,
    // signed with real gpg, published with the publish command and the CA variable the banner prints for it.
    signer = await createTestSigner();
    release = await buildTestProvider({
      version: '1.0.0',
      platforms: [
        { os: 'linux', arch: 'amd64' },
        { os: 'darwin', arch: 'arm64' },
      ],
      outDir: join(dataDir, 'dist'),
      sign: (p) => signer.sign(p),
    });
    const keyFile = join(dataDir, 'key.asc');
    await writeFile(keyFile, signer.publicKeyArmored);
    const published = await runCli(['publish', release.outDir, '--namespace', NAMESPACE, '--key', keyFile], {
      TF_OCI_REGISTRY_URL: server.url,
      NODE_EXTRA_CA_CERTS: exported(banner, 'NODE_EXTRA_CA_CERTS'),
    });
    assert.equal(published.code, 0, `${published.stdout}\n${published.stderr}`);
  });

  after(async () => {
    await signer?.cleanup();
    await server?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('prints a host block for the dotted registry hostname, the mirror, the lock command and CA advice for every client', () => {
    const host = blockAfter(banner, HOST_BLOCK);
    assert.match(host, new RegExp(`^host "${DEV_HOST.replace(/\./g, '\\.')}" \\{`));
    assert.ok(host.includes(`"modules.v1"   = "${server.url}/v1/modules/"`), host);
    assert.match(banner, /export SSL_CERT_FILE=\S+ca\.pem/);
    assert.match(banner, /export CURL_CA_BUNDLE=\S+ca\.pem/);
    assert.match(banner, /curl --cacert \S+ca\.pem/);
    assert.match(banner, new RegExp(`terraform providers lock -net-mirror=${server.url}/mirror/`));
    assert.ok(banner.includes(`module "example" { source = "${DEV_HOST}/<namespace>/<name>/<system>" }`), banner);
  });

  it('curl trusts the development CA with the printed CURL_CA_BUNDLE', async () => {
    const bundle = /export CURL_CA_BUNDLE=(\S+)/.exec(banner)![1]!;
    const { stdout } = await run('curl', ['-sS', '--fail', `${server.url}/api/v1/openapi.json`], {
      env: { PATH: process.env.PATH, CURL_CA_BUNDLE: bundle },
    });
    assert.match(stdout, /"openapi": "3\.1\.0"/);
  });

  it('curl trusts the development CA with the printed --cacert', async () => {
    const cacert = /\(or curl --cacert (\S+)\)/.exec(banner)![1]!;
    const { stdout } = await run(
      'curl',
      ['--cacert', cacert, '-sS', '--fail', `${server.url}/v1/providers/${NAMESPACE}/${TYPE}/versions`],
      {
        env: { PATH: process.env.PATH },
      },
    );
    assert.match(stdout, /"version":"1\.0\.0"/);
  });

  for (const tool of [TERRAFORM, TOFU] as CliTool[]) {
    it(`${tool.name} init installs the printed module address with the printed CLI configuration`, {
      skip: cliSkipReason(tool),
    }, async () => {
      const cliConfig = blockAfter(banner, HOST_BLOCK);
      const certFile = /export SSL_CERT_FILE=(\S+)/.exec(banner)![1]!;
      const template = new RegExp(`source = "(${DEV_HOST.replace(/\./g, '\\.')})/<namespace>/<name>/<system>"`).exec(banner)![1]!;
      const ws = await terraformWorkspace({
        terraform: requireCli(tool),
        cliConfig,
        env: { SSL_CERT_FILE: certFile },
        files: { 'main.tf': `module "example" {\n  source  = "${template}/acme/network/aws"\n  version = "1.0.0"\n}\n` },
      });
      try {
        const r = await ws.runOk(['init', '-input=false', '-no-color'], { timeoutMs: 300_000 });
        assert.match(r.flat, /Downloading registry\.example\.test\/acme\/network\/aws 1\.0\.0/);
      } finally {
        await ws.cleanup();
      }
    });

    /** A workspace with `cliConfig`, the printed SSL_CERT_FILE and the printed provider line in a terraform block. */
    const providerWorkspace = (cliConfig: string) => {
      const line = /provider: (required_providers \{.*\})$/m.exec(banner)![1]!;
      return terraformWorkspace({
        terraform: requireCli(tool),
        cliConfig,
        env: { SSL_CERT_FILE: exported(banner, 'SSL_CERT_FILE') },
        files: { 'main.tf': `terraform {\n  ${line.replace('<namespace>/<type>', `${NAMESPACE}/${TYPE}`)}\n}\n` },
      });
    };
    const address = `${DEV_HOST}/${NAMESPACE}/${TYPE}`;

    it(`${tool.name} init installs the printed provider address with the printed CLI configuration`, {
      skip: cliSkipReason(tool),
    }, async () => {
      const ws = await providerWorkspace(blockAfter(banner, HOST_BLOCK));
      try {
        const r = await ws.runOk(['init', '-input=false', '-no-color'], { timeoutMs: 300_000 });
        assert.match(r.flat, /Installed registry\.example\.test\/acme\/tfocitest v1\.0\.0/);
        const linux = release.packages.find((p) => p.os === 'linux')!;
        assert.ok((await ws.readLockFile())![address]!.hashes.includes(linux.h1), 'h1 of the installed package');
      } finally {
        await ws.cleanup();
      }
    });

    it(`${tool.name} init installs through the printed network mirror block`, { skip: cliSkipReason(tool) }, async () => {
      const mirrorBlock = indentedAfter(banner, /Network mirror \(optional/);
      assert.match(mirrorBlock, /^provider_installation \{\n {2}network_mirror \{ url = "[^"]+" \}\n\}\n$/);
      const before = server.logs.length;
      const ws = await providerWorkspace(blockAfter(banner, HOST_BLOCK) + mirrorBlock);
      try {
        const r = await ws.runOk(['init', '-input=false', '-no-color'], { timeoutMs: 300_000 });
        assert.match(r.flat, /Installed registry\.example\.test\/acme\/tfocitest v1\.0\.0/);
        const log = server.logs.slice(before).join('');
        assert.match(
          log,
          /"path":"\/mirror\/registry\.example\.test\/acme\/tfocitest\/index\.json"/,
          'the install went through the mirror',
        );
      } finally {
        await ws.cleanup();
      }
    });

    it(`the printed \`providers lock -net-mirror\` command locks both platforms with ${tool.name}`, {
      skip: cliSkipReason(tool),
    }, async () => {
      const printed = /^ {4}(terraform providers lock -net-mirror=.*)$/m.exec(banner)![1]!;
      const args = printed.replace('<namespace>/<type>', `${NAMESPACE}/${TYPE}`).split(' ').slice(1);
      const ws = await providerWorkspace(blockAfter(banner, HOST_BLOCK));
      try {
        await ws.runOk(args, { timeoutMs: 300_000 });
        const hashes = (await ws.readLockFile())![address]!.hashes;
        // Through a network mirror terraform records the h1 it computes for each platform (tofu adds the
        // mirror's zh): every platform of the release is locked.
        for (const p of release.packages) assert.ok(hashes.includes(p.h1), `h1 of ${p.os}_${p.arch} in ${hashes.join(', ')}`);
      } finally {
        await ws.cleanup();
      }
    });
  }
});
