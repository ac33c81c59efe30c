// `tf-oci-registry check` against the REAL Distribution 2.8 (htpasswd, token auth, deletes disabled), an
// image-layout directory, and broken settings: one line per check, a fix hint on every warn and fail,
// exit 1 on a fail, --json, and nothing left behind in the scratch repository.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CHECK_NAMES } from '../../src/store-check/run-store-check.js';
import type { StoreCheckReport } from '../../src/store-check/types.js';
import { runCli } from '../support/cli.js';
import { DOCKER_REGISTRY_BIN, freePort, requireTool, startDistribution, type Distribution } from '../support/distribution.js';
import { startTokenServer, type TokenServer } from '../support/token-server.js';
import { checkTargetToml, runStoreCheckOn, statusOf, type CheckTarget } from './support.js';

const tools = requireTool(DOCKER_REGISTRY_BIN, 'htpasswd', 'openssl');
const dir = mkdtempSync(join(tmpdir(), 'tf-oci-check-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function configFile(t: CheckTarget): string {
  const file = join(dir, `check-${Math.random().toString(36).slice(2)}.toml`);
  writeFileSync(file, checkTargetToml(t));
  return file;
}

function assertWellFormed(report: StoreCheckReport): void {
  assert.deepEqual(
    report.results.map((r) => r.name),
    [...CHECK_NAMES],
  );
  for (const r of report.results) {
    if (r.status === 'warn' || r.status === 'fail') assert.ok(r.hint && r.hint.length > 10, `${r.name} has a fix hint`);
  }
}

describe('check: image-layout directory', () => {
  it('passes every check, prints one line per check and leaves no scratch repository', async () => {
    const path = join(dir, 'layout');
    const run = await runCli(['check', '--config', configFile({ layoutPath: path, prefix: 'tf' })]);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const lines = run.stdout.trim().split('\n');
    assert.equal(lines.length, CHECK_NAMES.length + 1);
    for (const [i, name] of CHECK_NAMES.entries()) assert.match(lines[i]!, new RegExp(`^(ok  |skip)  ${name} `));
    assert.match(lines.at(-1)!, /^check passed: 10 ok, 0 warn, 0 fail, 2 skipped/);
    assert.deepEqual(readdirSync(join(path, 'tf')), [], 'the scratch repository is removed');
  });

  it('--json prints the report', async () => {
    const run = await runCli(['check', '--json', '--config', configFile({ layoutPath: join(dir, 'layout-json') })]);
    assert.equal(run.code, 0, run.stderr);
    const report = JSON.parse(run.stdout) as StoreCheckReport;
    assert.equal(report.ok, true);
    assertWellFormed(report);
    assert.equal(statusOf(report, 'image-index'), 'ok');
  });
});

describe('check: Distribution 2.8 with htpasswd', tools, () => {
  let reg: Distribution;
  before(async () => {
    reg = await startDistribution({ auth: { kind: 'htpasswd', users: { robot: 'robot-pw' } } });
  });
  after(() => reg?.stop());

  it('passes: Basic auth, OCI index, annotations, tag pagination, deletes, cleanup', async () => {
    const report = await runStoreCheckOn({ url: reg.url, username: 'robot', password: 'robot-pw', prefix: 'terraform' });
    assertWellFormed(report);
    assert.equal(report.ok, true, JSON.stringify(report, null, 2));
    const by = Object.fromEntries(report.results.map((r) => [r.name, r]));
    assert.match(by['auth']!.message, /Basic auth: credential accepted/);
    // Distribution 2.8 answers every tag whatever `n` says (v3 pages with Link headers): reported, harmless.
    assert.match(by['tag-pagination']!.message, /the registry ignores n \(gave 4 tags for n=2\)|Link rel="next" present.*last=.*continues/);
    assert.equal(by['delete']!.status, 'ok');
    assert.match(by['blob-redirect']!.message, /served by the registry itself/);
    for (const name of CHECK_NAMES) assert.ok(['ok'].includes(by[name]!.status), `${name}: ${by[name]!.status} ${by[name]!.message}`);
  });

  it('a wrong password fails the auth check with the hint, and the command exits 1', async () => {
    const run = await runCli(['check', '--config', configFile({ url: reg.url, username: 'robot', password: 'wrong' })]);
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.match(
      run.stdout,
      /^FAIL {2}auth +Basic auth: the credential was refused \(HTTP 401\) -- fix: check storage\.username \/ storage\.password/m,
    );
    assert.match(run.stdout, /^skip {2}write +not run/m);
    assert.match(run.stdout, /check FAILED: 1 ok, 0 warn, 1 fail, 10 skipped/);
  });

  it('no credential against a registry that wants one: FAIL auth', async () => {
    const report = await runStoreCheckOn({ url: reg.url });
    assert.equal(report.ok, false);
    assert.equal(statusOf(report, 'auth'), 'fail');
    assert.match(report.results.find((r) => r.name === 'auth')!.hint!, /robot account/);
  });
});

describe('check: Distribution 2.8 with token auth', tools, () => {
  let reg: Distribution;
  let tokens: TokenServer;
  before(async () => {
    tokens = await startTokenServer({
      users: {
        robot: { password: 'robot-pw', grants: [{ prefix: '', actions: ['pull', 'push', 'delete'] }] },
        reader: { password: 'read-pw', grants: [{ prefix: '', actions: ['pull'] }] },
      },
    });
    reg = await startDistribution({
      auth: { kind: 'token', realm: tokens.realm, service: tokens.service, issuer: tokens.issuer, rootCertBundle: tokens.certFile },
    });
  });
  after(async () => {
    await reg?.stop();
    await tokens?.close();
  });

  it('passes through the token flow', async () => {
    const report = await runStoreCheckOn({ url: reg.url, username: 'robot', password: 'robot-pw' });
    assertWellFormed(report);
    assert.equal(report.ok, true, JSON.stringify(report, null, 2));
    assert.match(
      report.results.find((r) => r.name === 'auth')!.message,
      /^token auth \(Bearer, realm http:\/\/127\.0\.0\.1:\d+\/token\): credential accepted/,
    );
    assert.ok(tokens.requests.some((r) => r.user === 'robot' && r.granted.some((g) => g.actions.includes('delete'))));
  });

  it('a pull-only credential fails the write check with a permission hint', async () => {
    const report = await runStoreCheckOn({ url: reg.url, username: 'reader', password: 'read-pw' });
    assert.equal(report.ok, false);
    assert.equal(statusOf(report, 'auth'), 'ok');
    assert.equal(statusOf(report, 'write'), 'fail');
    assert.match(report.results.find((r) => r.name === 'write')!.hint!, /push \(write\) permission/);
  });
});

describe('check: Distribution 2.8 without deletes', tools, () => {
  let reg: Distribution;
  before(async () => {
    reg = await startDistribution({ deleteEnabled: false });
  });
  after(() => reg?.stop());

  it('fails the delete check with the hint to enable deletes, exit 1, and says what it left', async () => {
    const run = await runCli(['check', '--config', configFile({ url: reg.url })]);
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.match(
      run.stdout,
      /^FAIL {2}delete +deleting a manifest: UNSUPPORTED \(HTTP 405\).* -- fix: enable deletes on the registry \(Distribution: storage\.delete\.enabled: true/m,
    );
    assert.match(run.stdout, /^warn {2}cleanup +left in tf-oci-registry-check\/run-[0-9a-f]{8}: .* -- fix: remove the scratch repository/m);
    assert.match(run.stdout, /^warn {2}auth +the registry asks no credential/m);
    assert.match(run.stdout, /^ok {4}image-index /m);
  });
});

describe('check: unreachable registry', () => {
  it('fails "reachable" with a hint and skips the rest', async () => {
    const port = await freePort();
    const report = await runStoreCheckOn({ url: `http://127.0.0.1:${port}` });
    assert.equal(report.ok, false);
    assert.equal(statusOf(report, 'reachable'), 'fail');
    assert.match(report.results[0]!.hint!, /storage\.url/);
    assert.ok(report.results.slice(1).every((r) => r.status === 'skip'));
  });

  it('a layout path that is a file fails "reachable" or "write"', async () => {
    const file = join(dir, 'not-a-dir');
    writeFileSync(file, 'x');
    const report = await runStoreCheckOn({ layoutPath: file });
    assert.equal(report.ok, false);
    assert.ok(existsSync(file));
  });
});
