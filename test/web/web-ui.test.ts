// The web pages in a real browser (docs/web.md): Debian's chromium (playwright-core) against the real
// server process (service mode, an image-layout store), real GnuPG keys and a GoReleaser-named release.
// Signs in and out, refuses anonymous and under-privileged visitors, adds a GPG key, creates a provider,
// publishes a version through the draft page (files one by one), is refused deleting the key in use, sees
// usage after a download, refuses forms without the CSRF token, takes screenshots of every page (light
// and dark, phone and wide) under .tmp/web-screenshots/ and runs axe-core on every page.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { request } from 'undici';
import { gpgSkip } from '../support/gpg.js';
import { createTestSigner, type TestSigner } from '../support/gpg-signer.js';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';
import { buildRelease, makeZip } from '../publish/release-fixture.js';
import { terraformSkipReason, terraformWorkspace } from '../support/terraform.js';
import { startUpstream, type Upstream } from '../mirror/support.js';
import { chromiumSkip, launchChromium, type LaunchedBrowser } from './browser.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SHOTS = join(ROOT, '.tmp', 'web-screenshots');
const ADMIN = 'admin-token-0123456789abcdefghijkl';
const READER = 'reader-token-0123456789abcdefghijk';
const sha = (t: string) => createHash('sha256').update(t).digest('hex');
const axePath = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

const skip = chromiumSkip || gpgSkip;
const UPSTREAM_HOST = 'upstream.example.test';

/** Runs `script` with bash exactly as printed (-e: the first failing command fails the run), in `cwd`. */
function bash(script: string, cwd: string, env: Record<string, string>): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(
      'bash',
      ['-e', '-o', 'pipefail', '-c', script],
      { cwd, env: { ...process.env, ...env }, timeout: 240_000 },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: `${stdout}\n${stderr}` }),
    );
  });
}

describe('web pages in chromium', { skip, timeout: 600_000 }, () => {
  let server: ServerProcess;
  let browser: LaunchedBrowser;
  let page: Page;
  let signer: TestSigner;
  let work: string;
  let base: string;
  let host: string;
  let upstream: Upstream;

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'tfoci-web-'));
    signer = await createTestSigner({ uid: 'web release <web@example.test>' });
    // A real upstream registry (the same application) holding acme/gadget, for the mirror import.
    upstream = await startUpstream(UPSTREAM_HOST);
    await upstream.publish('gadget', '2.0.0', [
      { os: 'linux', arch: 'amd64' },
      { os: 'darwin', arch: 'arm64' },
    ]);
    server = await startServerProcess({
      https: false,
      env: {
        TF_OCI_REGISTRY_STORAGE_KIND: 'layout',
        TF_OCI_REGISTRY_STORAGE_PATH: join(work, 'store'),
        TF_OCI_REGISTRY_SERVER_SECRETS: 'web-test-secret-0123456789abcdef',
        TF_OCI_REGISTRY_AUTH_MODE: 'service',
        TF_OCI_REGISTRY_AUTH_TOKENS: JSON.stringify([
          { name: 'admin', sha256: sha(ADMIN), permissions: ['*'] },
          { name: 'reader', sha256: sha(READER), permissions: ['providers:read'] },
        ]),
        TF_OCI_REGISTRY_MIRROR_UPSTREAM: JSON.stringify([{ hostname: UPSTREAM_HOST, url: upstream.url }]),
      },
    });
    base = server.url;
    host = new URL(base).host;
    browser = await launchChromium();
    page = await browser.context.newPage();
    page.setDefaultTimeout(20_000);
    await rm(SHOTS, { recursive: true, force: true });
    await mkdir(SHOTS, { recursive: true });
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    await upstream?.stop();
    await signer?.cleanup();
    if (work) await rm(work, { recursive: true, force: true });
  });

  async function signIn(token: string) {
    await page.goto(`${base}/ui/sign-in`);
    await page.getByLabel('API token').fill(token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForLoadState('load');
  }

  async function signOut() {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForLoadState('load');
  }

  it('refuses anonymous visitors (anonymous_read = false): every page sends them to sign in', async () => {
    for (const path of ['/ui/providers', '/ui/gpg-keys', '/ui/modules', '/ui/mirror', '/ui/usage']) {
      const res = await page.goto(`${base}${path}`);
      assert.equal(new URL(page.url()).pathname, '/ui/sign-in', path);
      assert.equal(new URL(page.url()).searchParams.get('next'), path);
      assert.equal(res?.status(), 200);
    }
    // The pages' answers carry the strict CSP.
    const res = await page.goto(`${base}/ui/sign-in`);
    assert.match(res!.headers()['content-security-policy']!, /default-src 'none'; script-src 'self'; style-src 'self'/);
  });

  it('refuses an unknown token, signs in with a valid one, and seals the session cookie', async () => {
    await signIn('not-a-token');
    assert.match(await page.locator('.notice.error').innerText(), /Sign-in refused: .*unknown API token/);
    await signIn(ADMIN);
    assert.equal(new URL(page.url()).pathname, '/ui/providers');
    assert.match(await page.locator('.who').innerText(), /Signed in as admin/);
    const cookies = await browser.context.cookies(`${base}/ui/providers`);
    const session = cookies.find((c) => c.name === 'tfreg_session');
    assert.ok(session, 'session cookie set');
    assert.equal(session.httpOnly, true);
    assert.equal(session.secure, true);
    assert.equal(session.sameSite, 'Strict');
    assert.ok(
      !session.value.includes(ADMIN) && !Buffer.from(session.value, 'base64url').toString('latin1').includes(ADMIN),
      'token sealed',
    );
  });

  it('adds a GPG key by pasting its armor, and refuses a bad armor with the reason', async () => {
    await page.goto(`${base}/ui/gpg-keys`);
    await page.getByLabel('Namespace').fill('acme');
    await page.getByLabel('Name letters').fill('release key');
    await page.getByLabel('Public key').fill('not a key');
    await page.getByRole('button', { name: 'Add the key' }).click();
    assert.match(await page.locator('.notice.error').innerText(), /The key was not added/);
    // The form keeps what was typed.
    assert.equal(await page.getByLabel('Namespace').inputValue(), 'acme');
    await page.getByLabel('Public key').fill(signer.publicKeyArmored);
    await page.getByRole('button', { name: 'Add the key' }).click();
    assert.match(await page.locator('.notice.success').innerText(), /The key was added/);
    assert.match(await page.locator('table').innerText(), new RegExp(signer.fingerprint));
    assert.match(await page.locator('table').innerText(), /0 versions/);
    // Who added it: the API token's name (docs/web.md#published-by).
    assert.match(await page.locator('table').innerText(), /by admin/);
  });

  it('creates a provider and publishes a version through the draft page, file by file', async () => {
    await page.goto(`${base}/ui/providers`);
    await page.getByLabel('Namespace').fill('acme');
    await page.getByLabel('Name the provider type').fill('widget');
    await page.getByLabel('Description').fill('Widgets for <script>alert(1)</script> everyone');
    await page.getByRole('button', { name: 'Create the provider' }).click();
    assert.equal(decodeURIComponent(new URL(page.url()).pathname), `/ui/providers/${host}/acme/widget`);
    // Text from the store is escaped, never markup.
    assert.match(await page.locator('main').innerText(), /Widgets for <script>alert\(1\)<\/script> everyone/);

    await page.getByLabel('Version', { exact: true }).fill('1.0.0');
    await page.getByRole('button', { name: 'Create the draft' }).click();
    assert.match(page.url(), /\/ui\/drafts\/ver-acme\.widget\.1\.0\.0/);

    const release = await buildRelease({
      type: 'widget',
      version: '1.0.0',
      platforms: [
        { os: 'linux', arch: 'amd64' },
        { os: 'darwin', arch: 'arm64' },
      ],
      protocols: ['6.0'],
      sign: async (data) => {
        const file = join(work, 'sums');
        await writeFile(file, data);
        const { readFile } = await import('node:fs/promises');
        return readFile(await signer.sign(file));
      },
    });
    const dir = join(work, 'dist');
    await mkdir(dir, { recursive: true });
    const paths: string[] = [];
    for (const [name, bytes] of release.files) {
      await writeFile(join(dir, name), bytes);
      paths.push(join(dir, name));
    }
    // One file first, then the rest: the draft lists each as it arrives.
    await page.getByLabel('Release files').setInputFiles(paths[0]!);
    await page.getByRole('button', { name: 'Upload' }).click();
    const names = [...release.files.keys()];
    await page.getByRole('cell', { name: names[0]!, exact: true }).waitFor({ timeout: 60_000 });
    await page.getByLabel('Release files').setInputFiles(paths.slice(1));
    await page.getByRole('button', { name: 'Upload' }).click();
    await page.getByRole('cell', { name: names.at(-1)!, exact: true }).waitFor({ timeout: 60_000 });
    assert.equal(await page.locator('main table tbody tr').count(), names.length);
    await shoot('draft-files');
    await page.getByRole('button', { name: 'Publish 1.0.0' }).click();
    assert.match(await page.locator('.notice.success').innerText(), /The version was published/);
    const versions = await page.locator('table').first().innerText();
    assert.match(versions, /1\.0\.0\s+uploaded/);
    assert.match(versions, /darwin_arm64, linux_amd64/);
    assert.match(versions, new RegExp(signer.keyId));
    assert.match(versions, /by admin/);
    // The copy-ready blocks name this provider.
    assert.match(await page.locator('#required-providers').innerText(), new RegExp(`source  = "${host}/acme/widget"`));
    assert.match(await page.locator('#publish-cli').innerText(), /tf-oci-registry publish dist --namespace acme --key key\.asc/);
  });

  /** A signed GoReleaser-named release of acme/widget `version` (linux_amd64) written into `dir`. */
  async function releaseInto(dir: string, version: string): Promise<void> {
    await mkdir(dir, { recursive: true });
    const release = await buildRelease({
      type: 'widget',
      version,
      platforms: [{ os: 'linux', arch: 'amd64' }],
      protocols: ['6.0'],
      sign: async (data) => {
        const file = join(work, `sums-${version}`);
        await writeFile(file, data);
        return readFile(await signer.sign(file));
      },
    });
    for (const [name, bytes] of release.files) await writeFile(join(dir, name), bytes);
  }

  it('prints publish commands (CLI and curl) that work when pasted verbatim into bash', async () => {
    await page.goto(`${base}/ui/providers/${host}/acme/widget`);
    // The `tf-oci-registry` command of a user's PATH (bin/tf-oci-registry.js, as npm installs it).
    const bin = join(work, 'bin');
    await mkdir(bin, { recursive: true });
    await symlink(join(ROOT, 'bin', 'tf-oci-registry.js'), join(bin, 'tf-oci-registry'));
    const env = { PATH: `${bin}:${process.env.PATH}`, TF_OCI_REGISTRY_TOKEN: ADMIN, NODE_NO_WARNINGS: '1' };

    // The CLI block, as the page prints it, in a directory holding dist/ and key.asc (what it says).
    const cli = (await page.locator('#publish-cli').textContent())!;
    assert.match(cli, /tf-oci-registry publish dist --namespace acme --key key\.asc/);
    const cliDir = join(work, 'cli-paste');
    await releaseInto(join(cliDir, 'dist'), '1.1.0');
    await writeFile(join(cliDir, 'key.asc'), signer.publicKeyArmored);
    const ranCli = await bash(cli, cliDir, env);
    assert.equal(ranCli.code, 0, ranCli.out);

    // The curl block after a reload: it names the next version (1.1.1); run in the release files' directory.
    await page.reload();
    assert.match(await page.locator('table').first().innerText(), /1\.1\.0\s+uploaded/);
    const curl = (await page.locator('#publish-curl').textContent())!;
    const version = /"attributes":\{"version":"([^"]+)"\}/.exec(curl)?.[1];
    assert.equal(version, '1.1.1', curl);
    const curlDir = join(work, 'curl-paste');
    await releaseInto(curlDir, version);
    const ranCurl = await bash(curl, curlDir, env);
    assert.equal(ranCurl.code, 0, ranCurl.out);
    assert.match(ranCurl.out, /"status":"uploaded"/);
    await page.reload();
    const table = await page.locator('table').first().innerText();
    assert.match(table, /1\.1\.1\s+uploaded/);
    assert.match(table, /1\.1\.0\s+uploaded/);
  });

  it('refuses to delete a GPG key that a version uses, with the reason', async () => {
    await page.goto(`${base}/ui/gpg-keys`);
    assert.match(await page.locator('table').innerText(), /\b[1-9] versions?\b/);
    page.once('dialog', (d) => void d.accept());
    await page.getByRole('button', { name: 'Delete key release key' }).click();
    const text = await page.locator('.notice.error').innerText();
    assert.match(text, /The key was not deleted/);
    assert.match(text, /1\.0\.0|version/);
    assert.match(await page.locator('table').innerText(), new RegExp(signer.fingerprint));
  });

  it('lists and searches providers', async () => {
    await page.goto(`${base}/ui/providers?q=widg`);
    assert.match(await page.locator('table').innerText(), new RegExp(`${host}/acme/widget`));
    await page.goto(`${base}/ui/providers?q=nothing-like-it`);
    assert.match(await page.locator('main').innerText(), /No provider matches/);
  });

  const terraformSkip = terraformSkipReason();
  it('shows usage after a real `terraform init`: version, distinct caller, client version, last use', { skip: terraformSkip }, async () => {
    // terraform finds the server through a host block (no DNS for localhost:<port> discovery over http)
    // and sends the API token from a credentials block (a hostname with a port has no TF_TOKEN_ variable).
    const ws = await terraformWorkspace({
      cliConfig: `host "${host}" {\n  services = { "providers.v1" = "${base}/v1/providers/" }\n}\ncredentials "${host}" {\n  token = "${ADMIN}"\n}\n`,
      files: {
        'main.tf': `terraform {\n  required_providers {\n    widget = {\n      source  = "${host}/acme/widget"\n      version = "1.0.0"\n    }\n  }\n}\n`,
      },
    });
    try {
      const init = await ws.runOk(['init', '-input=false']);
      assert.match(init.flat, new RegExp(`Installed ${host.replace(/[.]/g, '\\.')}/acme/widget v1\\.0\\.0`));
      const tfVersion = /Terraform v(\d+\.\d+\.\d+)/.exec((await ws.runOk(['version'])).flat)?.[1];
      assert.ok(tfVersion);
      await page.goto(`${base}/ui/usage`);
      const row = page
        .locator('tbody tr', { hasText: `${host}/acme/widget` })
        .filter({ has: page.getByRole('cell', { name: '1.0.0', exact: true }) });
      assert.equal(await row.count(), 1);
      const cells = await row.locator('td').allInnerTexts();
      const today = new Date().toISOString().slice(0, 10);
      assert.equal(cells[2], '1', `downloads: ${cells.join(' | ')}`);
      assert.equal(cells[3], '1', `distinct callers: ${cells.join(' | ')}`);
      assert.match(cells[4]!, new RegExp(today), `last used: ${cells.join(' | ')}`);
      assert.match(cells[5]!, new RegExp(`Terraform/${tfVersion.replace(/\./g, '\\.')} \\(1\\)`), `clients: ${cells.join(' | ')}`);
    } finally {
      await ws.cleanup();
    }
    await page.getByLabel('Provider namespace/type').fill('acme/widget');
    await page.getByRole('button', { name: /Find versions unused/ }).click();
    assert.match(
      await page.locator('#unused ~ p, section p').last().innerText(),
      /Not downloaded since \d{4}-\d{2}-\d{2}: 1\.1\.0, 1\.1\.1$/,
    );
  });

  it('starts a mirror import from the Mirror page and shows its status and results', async () => {
    await page.goto(`${base}/ui/mirror`);
    assert.match(await page.locator('main').innerText(), new RegExp(UPSTREAM_HOST.replace(/\./g, '\\.')));
    await page.getByRole('textbox', { name: /^Providers/ }).fill(`${UPSTREAM_HOST}/acme/gadget`);
    await page.getByRole('textbox', { name: /^Platforms/ }).fill('linux_amd64');
    await page.getByRole('button', { name: 'Start the import' }).click();
    assert.match(await page.locator('.notice.success').innerText(), /import/i);
    // Watch it: the page shows running, then the outcome and the per-platform results.
    let status = '';
    for (let i = 0; i < 240; i++) {
      const row = page.locator('tbody tr', { hasText: `${UPSTREAM_HOST}/acme/gadget` }).first();
      status = (await row.locator('td[data-label=Status]').innerText()).trim();
      if (status !== 'running') break;
      await new Promise((r) => setTimeout(r, 500));
      await page.reload();
    }
    assert.equal(status, 'succeeded');
    const row = page.locator('tbody tr', { hasText: `${UPSTREAM_HOST}/acme/gadget` }).first();
    assert.match(await row.innerText(), /by admin/);
    assert.match(await row.locator('td[data-label=Results]').innerText(), /1 platform/);
    await row.getByText('details').click();
    assert.match(await row.locator('td[data-label=Results] li').first().innerText(), /gadget 2\.0\.0 linux_amd64: (imported|stored|ok)/);
    // The imported provider is listed as mirrored, and its page shows the version.
    await page.getByRole('link', { name: `${UPSTREAM_HOST}/acme/gadget` }).click();
    assert.match(await page.locator('main').innerText(), /mirrored/);
    assert.match(await page.locator('table').first().innerText(), /2\.0\.0/);
  });

  it("refuses a form without the CSRF token, with another visitor's token, or from another origin", async () => {
    const post = (form: Record<string, string>, headers: Record<string, string> = {}) =>
      page.request.post(`${base}/ui/gpg-keys`, { form, headers, maxRedirects: 0 });
    const none = await post({ namespace: 'acme', name: 'x', armor: signer.publicKeyArmored });
    assert.equal(none.status(), 403);
    assert.match(await none.text(), /CSRF check/);
    const forged = await post({ namespace: 'acme', name: 'x', armor: 'x', _csrf: 'AAAA' });
    assert.equal(forged.status(), 403);
    await page.goto(`${base}/ui/gpg-keys`);
    const token = await page.locator('input[name=_csrf]').first().inputValue();
    const cross = await post({ namespace: 'acme', name: 'x', armor: 'x', _csrf: token }, { origin: 'https://evil.example' });
    assert.equal(cross.status(), 403);
    assert.match(await cross.text(), /cross-site request refused/);
  });

  it('shows a module: versions, README as text (never markup), inputs, outputs, source block and oci:// address', async () => {
    const api = (method: string, path: string, body: string | Buffer, type: string) =>
      request(`${base}/api/v1${path}`, {
        method: method as 'POST',
        body,
        headers: { authorization: `Bearer ${ADMIN}`, 'content-type': type },
      });
    const created = await api(
      'POST',
      '/modules',
      JSON.stringify({ data: { type: 'modules', attributes: { namespace: 'acme', name: 'vpc', system: 'aws', description: 'A VPC' } } }),
      'application/vnd.api+json',
    );
    assert.equal(created.statusCode, 201, await created.body.text());
    const zip = await makeZip({
      'main.tf': 'variable "cidr" {}\nvariable "name" {}\noutput "id" { value = "x" }\n',
      'README.md': '# VPC\n\n<img src=x onerror="document.title=\'pwned\'">\nUse **it**.\n',
    });
    const put = await api('PUT', '/modules/mod-acme.vpc.aws/versions/1.2.0', zip, 'application/zip');
    assert.equal(put.statusCode < 300, true, await put.body.text());
    await page.goto(`${base}/ui/modules`);
    await page.getByRole('link', { name: `${host}/acme/vpc/aws` }).click();
    const main = page.locator('main');
    assert.match(await main.innerText(), /<img src=x onerror="document.title='pwned'">/);
    assert.equal(await page.locator('main img').count(), 0);
    assert.notEqual(await page.title(), 'pwned');
    assert.match(await main.innerText(), /Inputs\s+cidr, name/);
    assert.match(await main.innerText(), /Outputs\s+id/);
    assert.match(await main.innerText(), /Published by\s+admin/);
    assert.match(await page.locator('#module-block').innerText(), new RegExp(`source  = "${host}/acme/vpc/aws"[\\s\\S]*version = "1.2.0"`));
    // A layout store has no registry address for OpenTofu's oci:// sources: the page says so.
    assert.match(await page.locator('#oci-address').innerText(), /No oci:\/\/ address: this server stores in a local image layout/);
  });

  it('takes screenshots of every page and finds no axe violations', async () => {
    // A draft left open (1.1.2), so that its page and the provider's pending row are seen too.
    await page.goto(`${base}/ui/providers/${host}/acme/widget`);
    await page.getByRole('button', { name: 'Create the draft' }).click();
    assert.match(page.url(), /\/ui\/drafts\/ver-acme\.widget\.1\.1\.2/);
    await shootAll('draft');
    await axe('draft');
    const pages: Array<[string, string]> = [
      ['providers', '/ui/providers'],
      ['provider', `/ui/providers/${host}/acme/widget`],
      ['mirrored-provider', `/ui/providers/${UPSTREAM_HOST}/acme/gadget`],
      ['gpg-keys', '/ui/gpg-keys'],
      ['modules', '/ui/modules'],
      ['module', '/ui/modules/mod-acme.vpc.aws'],
      ['mirror', '/ui/mirror'],
      ['usage', '/ui/usage'],
    ];
    for (const [name, path] of pages) {
      await page.goto(`${base}${path}`);
      await shootAll(name);
      await axe(name);
    }
    await signOut();
    await page.goto(`${base}/ui/sign-in`);
    await shootAll('sign-in');
    await axe('sign-in');
  });

  it('checks the same permissions as the API: a providers:read token sees providers, not keys', async () => {
    await signIn(READER);
    assert.match(await page.locator('.who').innerText(), /Signed in as reader/);
    assert.match(await page.locator('table').innerText(), /acme\/widget/);
    // No forms it may not use.
    assert.equal(await page.getByRole('button', { name: 'Create the provider' }).count(), 0);
    const res = await page.goto(`${base}/ui/gpg-keys`);
    assert.equal(res?.status(), 403);
    assert.match(await page.locator('.notice.error').innerText(), /lacks the permission gpg-keys:read/);
    // The Mirror page: no import form, no imports; posting the form anyway is refused like the API.
    await page.goto(`${base}/ui/mirror`);
    assert.equal(await page.getByRole('button', { name: 'Start the import' }).count(), 0);
    assert.match(await page.locator('main').innerText(), /Reading imports needs the mirror:read permission/);
    const token = await page.locator('input[name=_csrf]').first().inputValue();
    const refused = await page.request.post(`${base}/ui/mirror/imports`, {
      form: { _csrf: token, providers: `${UPSTREAM_HOST}/acme/gadget` },
      headers: { origin: base },
      maxRedirects: 0,
    });
    assert.equal(refused.status(), 403);
    assert.match(await refused.text(), /lacks the permission mirror:write/);
    await signOut();
    assert.match(await page.locator('.who').innerText(), /Sign in/);
    await page.goto(`${base}/ui/providers`);
    assert.equal(new URL(page.url()).pathname, '/ui/sign-in');
  });

  async function shoot(name: string) {
    await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  }

  async function shootAll(name: string) {
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      for (const [size, viewport] of [
        ['phone', { width: 390, height: 844 }],
        ['wide', { width: 1440, height: 900 }],
      ] as const) {
        await page.setViewportSize(viewport);
        await page.screenshot({ path: join(SHOTS, `${name}-${scheme}-${size}.png`), fullPage: true });
      }
    }
    await page.emulateMedia({ colorScheme: 'light' });
  }

  /** axe-core on the current page; the CSP forbids injected scripts, so axe runs through CDP's evaluate. */
  async function axe(name: string) {
    const { readFile } = await import('node:fs/promises');
    const source = await readFile(axePath, 'utf8');
    await page.evaluate(source);
    const result = (await page.evaluate(
      `axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } })`,
    )) as { violations: Array<{ id: string; help: string; nodes: Array<{ target: string[] }> }> };
    const bad = result.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
    assert.deepEqual(bad, [], `axe on ${name}`);
  }
});
