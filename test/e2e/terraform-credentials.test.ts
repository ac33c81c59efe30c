// Scenario 4: the OCI registry requires authentication (Distribution with htpasswd) and tf-oci-registry
// delegates to it. terraform's `credentials "registry.example.test" { token = ... }` lets init succeed;
// without it, or with a wrong one, init fails with terraform's own authentication error (not a 500).
import { after, before, describe, it, test } from 'node:test';
import assert from 'node:assert/strict';
import { requireTool } from '../support/distribution.js';
import { terraformSkipReason, terraformWorkspace, type TerraformWorkspace } from '../support/terraform.js';
import { buildReleases, hostBlock, mainTf, mirrorBlock, NAMESPACE, publishReleases, TYPE, type Releases } from './fixtures.js';
import { REGISTRY_HOST, startStack, type Stack } from './stack.js';

const skip = terraformSkipReason() || requireTool('docker-registry', 'htpasswd', 'gpg', 'zip', 'go', 'openssl').skip || false;
const ADDRESS = `${REGISTRY_HOST}/${NAMESPACE}/${TYPE}`;
const READER = 'reader:reader-password';
const PUSHER = 'pusher:pusher-password';
test('terraform end-to-end: credentials', { skip }, () => {});

describe('terraform end-to-end: credentials', { skip }, () => {
  let stack: Stack;
  let releases: Releases;
  const workspaces: TerraformWorkspace[] = [];

  async function workspace(cliConfig: string): Promise<TerraformWorkspace> {
    const ws = await terraformWorkspace({ cliConfig, files: mainTf(ADDRESS, '~> 1.0'), env: { SSL_CERT_FILE: stack.tls.caPath } });
    workspaces.push(ws);
    return ws;
  }

  before(async () => {
    releases = await buildReleases(['1.0.0']);
    stack = await startStack({ registryAuth: { kind: 'htpasswd', users: { reader: 'reader-password', pusher: 'pusher-password' } } });
    const anonymous = await stack.api.call('POST', '/api/v1/providers', {
      json: { data: { type: 'providers', attributes: { namespace: NAMESPACE, name: TYPE } } },
    });
    assert.equal(anonymous.status, 401, 'publishing without credentials is refused by the registry');
    await publishReleases(stack, releases, PUSHER);
  });
  after(async () => {
    for (const ws of workspaces) await ws.cleanup();
    await stack?.stop();
    await releases?.signer.cleanup();
  });

  it('init succeeds with a credentials block for the registry hostname', async () => {
    const creds = `credentials "${REGISTRY_HOST}" {\n  token = "${READER}"\n}\n`;
    const ws = await workspace(hostBlock(REGISTRY_HOST, stack.server.url, creds));
    await ws.runOk(['init', '-input=false']);
    const apply = await ws.runOk(['apply', '-auto-approve', '-input=false']);
    assert.match(apply.flat, /provider_version = "1\.0\.0"/);
    assert.ok(!stack.server.logs.join('').includes('reader-password'), 'the token never appears in the server log');
  });

  it("init fails with terraform's own authentication error without credentials", async () => {
    const ws = await workspace(hostBlock(REGISTRY_HOST, stack.server.url));
    const r = await ws.run(['init', '-input=false']);
    assert.notEqual(r.code, 0);
    assert.match(r.flat, /unauthorized|not authorized|credentials|authentication/i);
    assert.doesNotMatch(r.flat, /500 Internal Server Error/);
  });

  it('init fails the same way with wrong credentials', async () => {
    const creds = `credentials "${REGISTRY_HOST}" {\n  token = "reader:wrong"\n}\n`;
    const ws = await workspace(hostBlock(REGISTRY_HOST, stack.server.url, creds));
    const r = await ws.run(['init', '-input=false']);
    assert.notEqual(r.code, 0);
    assert.match(r.flat, /unauthorized|not authorized|rejected|credentials/i);
    assert.doesNotMatch(r.flat, /500 Internal Server Error/);
  });

  it('the network mirror takes the same credentials (mirror URL host:port)', async () => {
    const port = new URL(stack.server.url).port;
    const creds = `credentials "localhost:${port}" {\n  token = "${READER}"\n}\n`;
    const ws = await workspace(mirrorBlock(stack.server.url, creds));
    await ws.runOk(['init', '-input=false']);
    const without = await workspace(mirrorBlock(stack.server.url));
    const r = await without.run(['init', '-input=false']);
    assert.notEqual(r.code, 0);
    assert.match(r.flat, /unauthorized|not authorized|credentials|401/i);
  });
});
