// The REAL terraform CLI installs modules from the server (modules.v1, docs/design/protocols.md §6) over HTTPS with a test
// CA, the server backed by the REAL Distribution registry. terraform reaches the registry hostname without
// DNS through a CLI-config `host` block that points modules.v1 at https://localhost:PORT/; the download URL
// (X-Terraform-Get) is the server's signed URL on the same origin. `version = "~> 1.0"` picks 1.1.0 over
// 1.0.0 (not 2.0.0), and after 1.2.0 is published, `terraform init -upgrade` picks 1.2.0. A hostname with
// a port (`127.0.0.1:PORT/...`, found through /.well-known/terraform.json) works too; `localhost:PORT` does
// not: Terraform wants a dot in a module registry hostname.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Agent } from 'undici';
import { createRegistryStore } from '../../src/oci/remote/registry-store.js';
import { requireTool, startDistribution, type Distribution } from '../support/distribution.js';
import { requireTerraform, terraformSkipReason, terraformWorkspace, type TerraformWorkspace } from '../support/terraform.js';
import { createTestTls, type TestTls } from '../support/tls.js';
import { moduleFiles, zipOf } from './support/archives.js';
import { apiClient, buildModuleApp, type ModuleApp } from './support/module-app.js';

const HOST = 'registry.example.test';
const skip = terraformSkipReason() || (requireTool('docker-registry', 'openssl').skip ?? false);

const MAIN_TF = `
module "m" {
  source  = "${HOST}/acme/greeting/null"
  version = "~> 1.0"
}
output "version" { value = module.m.version }
output "message" { value = module.m.message }
`;

describe('terraform installs modules from the server', { skip }, () => {
  let reg: Distribution;
  let tls: TestTls;
  let server: ReturnType<typeof serve>;
  let m: ModuleApp;
  let ws: TerraformWorkspace;
  let api: ReturnType<typeof apiClient>;
  let port: number;

  const publish = async (version: string) => {
    const archive = await zipOf(Object.entries(moduleFiles(version)).map(([name, content]) => ({ name, content })));
    const res = await api.upload('mod-acme.greeting.null', version, archive);
    assert.equal(res.status, 201, JSON.stringify(res.body));
  };

  before(async () => {
    requireTerraform();
    [reg, tls] = await Promise.all([startDistribution(), createTestTls()]);
    // The app needs its public URL (with the port) before it exists: the server delegates to it.
    let handler: ModuleApp['app']['fetch'] | undefined;
    server = serve({
      fetch: (req, env) => handler!(req, env),
      createServer,
      serverOptions: { key: tls.key, cert: tls.cert },
      hostname: '127.0.0.1',
      port: 0,
    });
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
    const store = createRegistryStore({
      url: reg.url,
      plainHttp: true,
      dispatcher: new Agent({ keepAliveTimeout: 10_000 }),
      timeoutMs: 10_000,
    });
    m = buildModuleApp(store, { publicUrl: `https://localhost:${port}/`, registryHostname: HOST });
    handler = m.app.fetch;
    api = apiClient(m.app);
    assert.equal((await api.createModule({ namespace: 'acme', name: 'greeting', system: 'null' })).status, 201);
    for (const v of ['1.0.0', '1.1.0', '2.0.0']) await publish(v);
    ws = await terraformWorkspace({
      cliConfig: `host "${HOST}" {\n  services = {\n    "modules.v1" = "https://localhost:${port}/v1/modules/"\n  }\n}\n`,
      files: { 'main.tf': MAIN_TF },
      env: { SSL_CERT_FILE: tls.caPath },
    });
  });

  after(async () => {
    await ws?.cleanup();
    if (server) {
      server.close();
      (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
    }
    await tls?.cleanup();
    await reg?.stop();
  });

  it('init picks the newest matching version (1.1.0, not 2.0.0) and apply uses it', async (t) => {
    const init = await ws.runOk(['init', '-no-color']);
    t.diagnostic(`terraform init (module download) took ${init.durationMs} ms`);
    assert.match(init.flat, new RegExp(`Downloading ${HOST.replaceAll('.', '\\.')}/acme/greeting/null 1\\.1\\.0 for m`));
    await ws.runOk(['apply', '-auto-approve', '-no-color']);
    const out = JSON.parse((await ws.runOk(['output', '-json'])).stdout) as Record<string, { value: string }>;
    assert.equal(out.version!.value, '1.1.0');
    assert.equal(out.message!.value, 'hello from 1.1.0');
    // terraform fetched the zip through the signed download route (the query was stripped by go-getter).
    assert.ok(
      m.logLines.some((l) => l.includes('"path":"/download/…/greeting-null-1.1.0.zip"') && l.includes('"status":200')),
      'zip downloaded',
    );
  });

  it('init -upgrade picks a newly published matching version (1.2.0)', async (t) => {
    await publish('1.2.0');
    const init = await ws.runOk(['init', '-upgrade', '-no-color']);
    t.diagnostic(`terraform init -upgrade took ${init.durationMs} ms`);
    assert.match(init.flat, /Downloading registry\.example\.test\/acme\/greeting\/null 1\.2\.0 for m/);
    await ws.runOk(['apply', '-auto-approve', '-no-color']);
    const out = JSON.parse((await ws.runOk(['output', '-json'])).stdout) as Record<string, { value: string }>;
    assert.equal(out.version!.value, '1.2.0');
  });

  it('installs from a registry hostname with a port, found through service discovery', async () => {
    const direct = await terraformWorkspace({
      cliConfig: '',
      files: { 'main.tf': MAIN_TF.replace(`${HOST}/`, `127.0.0.1:${port}/`) },
      env: { SSL_CERT_FILE: tls.caPath },
    });
    try {
      const init = await direct.runOk(['init', '-no-color']);
      assert.match(init.flat, new RegExp(`Downloading 127\\.0\\.0\\.1:${port}/acme/greeting/null 1\\.2\\.0 for m`));
      await direct.runOk(['apply', '-auto-approve', '-no-color']);
      const out = JSON.parse((await direct.runOk(['output', '-json'])).stdout) as Record<string, { value: string }>;
      assert.equal(out.version!.value, '1.2.0');
    } finally {
      await direct.cleanup();
    }
  });
});
