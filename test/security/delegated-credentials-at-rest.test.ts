// Security rule: a caller's delegated credential is used upstream and nowhere else: never written to the
// logs (at the most verbose level, of the real server process, every line) nor to disk (the server's
// temp directory, where uploads spool, and the registry's whole storage, where tf-oci-registry keeps its
// records). A user publishes and reads a module through the real server in delegate mode over the real
// registry with htpasswd; then every byte is searched for the password, user:password and their encodings.
// (test/auth/delegate-*.test.ts check the in-process logs; this adds the process, the disk and uploads.)
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { firstSkip, requireRegistry, requireTool, startDistribution, type Distribution } from '../support/distribution.js';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';
import { tarGz } from '../modules/support/archives.js';

const tools = firstSkip(requireRegistry(['htpasswd']), requireTool('htpasswd'));
const USER = 'alice';
const PASSWORD = `pw-${randomBytes(9).toString('hex')}`;

async function* files(dir: string): AsyncGenerator<string> {
  for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) yield* files(full);
    else if (entry.isFile()) yield full;
  }
}

describe('delegated credentials are never written to logs or disk', tools, () => {
  let reg: Distribution;
  let server: ServerProcess;
  let serverTmp: string;

  before(async () => {
    reg = await startDistribution({ auth: { kind: 'htpasswd', users: { [USER]: PASSWORD } } });
    serverTmp = await mkdtemp(join(tmpdir(), 'tfoci-creds-tmp-'));
    server = await startServerProcess({
      https: false,
      env: {
        TMPDIR: serverTmp,
        TF_OCI_REGISTRY_STORAGE_KIND: 'registry',
        TF_OCI_REGISTRY_STORAGE_URL: reg.url,
        TF_OCI_REGISTRY_STORAGE_PLAIN_HTTP: 'true',
        TF_OCI_REGISTRY_STORAGE_PREFIX: 'tf',
        TF_OCI_REGISTRY_SERVER_REGISTRY_HOSTNAME: 'registry.example.test',
        TF_OCI_REGISTRY_SERVER_SECRETS: 'creds-secret-0123456789abcdef',
        TF_OCI_REGISTRY_LOG_LEVEL: 'trace',
      },
    });
  });
  after(async () => {
    await server?.stop();
    await reg?.stop();
    if (serverTmp) await rm(serverTmp, { recursive: true, force: true });
  });

  it('publishes, lists and downloads a module as the user; no log line and no file holds the credential', async () => {
    const basic = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;
    const call = async (method: string, path: string, body?: Buffer | string, type = 'application/vnd.api+json') => {
      const res = await fetch(`${server.url}${path}`, {
        method,
        headers: { authorization: basic, ...(body ? { 'content-type': type } : {}) },
        ...(body ? { body } : {}),
        redirect: 'manual',
      });
      return { status: res.status, headers: res.headers, text: await res.text() };
    };
    const created = await call(
      'POST',
      '/api/v1/modules',
      JSON.stringify({ data: { type: 'modules', attributes: { namespace: 'acme', name: 'net', system: 'aws' } } }),
    );
    assert.equal(created.status, 201, created.text);
    const id = (JSON.parse(created.text) as { data: { id: string } }).data.id;
    const archive = await tarGz([{ name: 'main.tf', content: Buffer.from('variable "x" {}\n') }]);
    const uploaded = await call('PUT', `/api/v1/modules/${id}/versions/1.0.0`, archive, 'application/gzip');
    assert.equal(uploaded.status, 201, uploaded.text);
    assert.equal((await call('GET', '/v1/modules/acme/net/aws/versions')).status, 200);
    const download = await call('GET', '/v1/modules/acme/net/aws/1.0.0/download');
    assert.equal(download.status, 204, download.text);
    const location = new URL(download.headers.get('x-terraform-get') ?? '', server.url);
    const zip = await fetch(location);
    assert.equal(zip.status, 200);
    await zip.arrayBuffer();
    // A wrong password is refused, and is not written either.
    const wrong = await fetch(`${server.url}/v1/modules/acme/net/aws/versions`, {
      headers: { authorization: `Bearer ${USER}:${PASSWORD}x` },
    });
    assert.equal(wrong.status, 401);
    await server.stop();

    const forms = [
      PASSWORD,
      `${USER}:${PASSWORD}`,
      Buffer.from(`${USER}:${PASSWORD}`).toString('base64'),
      encodeURIComponent(`${USER}:${PASSWORD}`),
    ];
    const logs = server.logs.join('');
    assert.ok(logs.includes('"msg":"request"'), 'access lines were captured');
    for (const form of forms) assert.ok(!logs.includes(form), `the server log holds ${form.slice(0, 6)}…`);
    let scanned = 0;
    for (const root of [serverTmp, reg.dir]) {
      for await (const file of files(root)) {
        scanned++;
        const bytes = await readFile(file);
        for (const form of forms) assert.ok(!bytes.includes(form), `${file} holds ${form.slice(0, 6)}…`);
      }
    }
    assert.ok(scanned > 10, `only ${scanned} files scanned`);
  });
});
