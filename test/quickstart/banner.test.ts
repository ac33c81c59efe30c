// The start-up banner keeps its promises: a real server started like `npm start` (layout store,
// self-signed development TLS, the dotted dev registry hostname of config.dev.toml) prints a CLI
// configuration and CA advice; this test copies them VERBATIM from the server's output, publishes a
// module, and runs `terraform init` and `tofu init` with exactly that configuration and the printed
// SSL_CERT_FILE, and curl with the printed CURL_CA_BUNDLE (docs/terraform.md#quick-start).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'undici';
import { ensureDevTls } from '../../src/cli/dev-tls.js';
import { zipOf } from '../modules/support/archives.js';
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

describe('the quick start banner, run verbatim', { timeout: 600_000 }, () => {
  let server: ServerProcess;
  let dataDir: string;
  let banner: string;
  let ca: string;

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
  });

  after(async () => {
    await server?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('prints a host block for the dotted registry hostname, the mirror, the lock command and CA advice for every client', () => {
    const host = blockAfter(banner, /\(or add it to ~\/\.terraformrc \/ ~\/\.tofurc\):/);
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

  for (const tool of [TERRAFORM, TOFU] as CliTool[]) {
    it(`${tool.name} init installs the printed module address with the printed CLI configuration`, {
      skip: cliSkipReason(tool),
    }, async () => {
      const cliConfig = blockAfter(banner, /\(or add it to ~\/\.terraformrc \/ ~\/\.tofurc\):/);
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
  }
});
