// The release examples of docs/publishing.md, run with the real GoReleaser (.ci/build-goreleaser.sh) as
// written: the `.goreleaser.yml` (builds, zips, SHA256SUMS signed by real GnuPG, the tf-oci-registry
// publisher) in a git repository of the Go provider under test/fixtures/provider, the GitHub Actions steps
// (its `run:` scripts with bash, the GoReleaser action as `goreleaser <args>` with the step's env), and the
// GitLab job's script. Stood in for: the key import action (the key is in the test's GnuPG home), the clone
// URL (this repository), the registry URL and token (the test server's). Also: a re-run for the same tag
// succeeds without change, and a release signed by another key fails GoReleaser and publishes nothing.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { getRequestListener } from '@hono/node-server';
import { parse } from 'yaml';
import { hashToken } from '../../src/auth/api-tokens.js';
import { createMemoryStore } from '../../src/oci/memory-store.js';
import { buildAuthApp, type AuthTestApp } from '../auth/support.js';
import { freePort } from '../support/distribution.js';
import { createGpgHome, gpgSkip, type GpgHome, type TestKey } from '../support/gpg.js';
import { GORELEASER, optionalCliSkipReason, requireCli } from '../support/terraform.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TOKEN = 'goreleaser-test-token-0123456789';
const DOC_URL = 'https://registry.example.com';
const DOC_CLONE_URL = 'https://git.example.com/platform/tf-oci-registry.git';

interface Run {
  code: number;
  output: string;
}

/** Runs `file args` in `cwd` with exactly `env`; never rejects. */
function exec(file: string, args: string[], cwd: string, env: Record<string, string>): Promise<Run> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd, env, timeout: 900_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, output: `${stdout}${stderr}` }),
    );
  });
}

/** The ```yaml blocks of docs/publishing.md after the heading `### title`. */
async function docYaml(title: string): Promise<string> {
  const doc = await readFile(join(ROOT, 'docs/publishing.md'), 'utf8');
  const from = doc.indexOf(`### ${title}\n`);
  assert.ok(from >= 0, `docs/publishing.md has no "### ${title}"`);
  const block = /```yaml\n([\s\S]*?)```/.exec(doc.slice(from));
  assert.ok(block, `no yaml block under "### ${title}"`);
  return block[1]!;
}

describe('the GoReleaser, GitHub Actions and GitLab CI examples of docs/publishing.md, with the real GoReleaser', {
  timeout: 1_800_000,
  skip: optionalCliSkipReason(GORELEASER) || gpgSkip,
}, () => {
  let server: Server;
  let app: AuthTestApp;
  let url: string;
  let work: string;
  let project: string;
  let gpg: GpgHome;
  let key: TestKey;
  let otherKey: TestKey;
  let baseEnv: Record<string, string>;

  const git = async (...args: string[]) => {
    const r = await exec('git', ['-c', 'user.name=Release', '-c', 'user.email=release@example.test', ...args], project, baseEnv);
    assert.equal(r.code, 0, `git ${args.join(' ')}: ${r.output}`);
  };
  /** A new commit tagged `v${version}`, as a release starts. */
  const tag = async (version: string) => {
    await writeFile(join(project, 'CHANGELOG.md'), `## ${version}\n`);
    await git('add', '-A');
    await git('commit', '-qm', `release ${version}`);
    await git('tag', `v${version}`);
  };
  /** The platforms providers.v1 lists for acme/tfocitest `version` (empty when it is not listed). */
  const platforms = async (version: string): Promise<string[]> => {
    const res = await app.app.request('/v1/providers/acme/tfocitest/versions', { headers: { authorization: `Bearer ${TOKEN}` } });
    if (res.status === 404) return [];
    const body = (await res.json()) as { versions: Array<{ version: string; platforms: Array<{ os: string; arch: string }> }> };
    const v = body.versions.find((x) => x.version === version);
    return (v?.platforms ?? []).map((p) => `${p.os}_${p.arch}`).sort();
  };

  before(async () => {
    gpg = await createGpgHome();
    key = await gpg.generateKey('ed25519', 'release@example.test');
    otherKey = await gpg.generateKey('ed25519', 'someone-else@example.test');
    work = await mkdtemp(join(tmpdir(), 'tfoci-goreleaser-'));
    project = join(work, 'terraform-provider-tfocitest');
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    app = buildAuthApp(
      createMemoryStore(),
      `[server]\npublic_url = "${url}/"\nregistry_hostname = "registry.example.test"\nsecrets = ["goreleaser-secret-0123456789abcdef"]\n` +
        `[auth]\nmode = "service"\n[[auth.tokens]]\nname = "release"\nsha256 = "${hashToken(TOKEN)}"\n` +
        'permissions = ["providers:*", "provider-versions:*", "gpg-keys:*"]\n',
    );
    server = createServer(app.nodeFront(getRequestListener(app.app.fetch)));
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));

    const goreleaser = requireCli(GORELEASER);
    await mkdir(join(work, 'npm-global'));
    baseEnv = {
      // The tools a release job has: Go, git, gpg, Node.js and npm, GoReleaser, and what `npm install --global` links.
      PATH: [join(work, 'npm-global', 'bin'), dirname(goreleaser), process.env.PATH ?? '/usr/bin:/bin'].join(':'),
      HOME: process.env.HOME ?? work,
      GNUPGHOME: gpg.dir,
      npm_config_prefix: join(work, 'npm-global'),
      ...Object.fromEntries(
        ['GOPATH', 'GOMODCACHE', 'GOCACHE', 'GOPROXY', 'GOFLAGS', 'npm_config_cache'].flatMap((k) =>
          process.env[k] ? [[k, process.env[k]!]] : [],
        ),
      ),
    };
    // The provider's repository: the Go sources, the documented .goreleaser.yml (no GitHub release here), dist/ ignored.
    await cp(join(ROOT, 'test/fixtures/provider'), project, { recursive: true });
    await writeFile(
      join(project, '.goreleaser.yml'),
      `${await docYaml('GoReleaser')}release:\n  disable: true\nchangelog:\n  disable: true\n`,
    );
    await writeFile(join(project, '.gitignore'), 'dist/\n');
    await git('init', '-q');
    await git('remote', 'add', 'origin', 'https://github.com/acme/terraform-provider-tfocitest.git');
    await tag('1.2.0');
  });

  after(async () => {
    server?.closeAllConnections();
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    await gpg?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('GitHub Actions: the steps install the command, and GoReleaser builds, signs and publishes every platform', async () => {
    const steps = parse(await docYaml('GitHub Actions')) as Array<{
      id?: string;
      uses?: string;
      run?: string;
      with?: Record<string, string>;
      env?: Record<string, string>;
    }>;
    const runnerTemp = join(work, 'runner-temp');
    await mkdir(runnerTemp);
    const expression = (text: string) =>
      text.replace(/\$\{\{\s*([^}]+?)\s*\}\}/g, (_, name: string) => {
        const values: Record<string, string> = {
          'secrets.GITHUB_TOKEN': 'not-used-without-a-github-release',
          'secrets.TF_OCI_REGISTRY_TOKEN': TOKEN,
          'steps.import_gpg.outputs.fingerprint': key.fingerprint,
          'runner.temp': runnerTemp,
        };
        assert.ok(name in values, `the example uses \${{ ${name} }}, which this test does not provide`);
        return values[name]!;
      });
    const ran: string[] = [];
    for (const step of steps) {
      const env: Record<string, string> = { ...baseEnv, RUNNER_TEMP: runnerTemp };
      for (const [k, v] of Object.entries(step.env ?? {})) env[k] = expression(String(v)).replace(DOC_URL, url);
      if (step.uses?.startsWith('crazy-max/ghaction-import-gpg@')) {
        assert.equal(step.id, 'import_gpg'); // the key is in the test's GnuPG home already
      } else if (step.uses?.startsWith('goreleaser/goreleaser-action@')) {
        const r = await exec('goreleaser', expression(step.with!.args!).split(' '), project, env);
        assert.equal(r.code, 0, r.output);
        assert.match(r.output, /custom publisher/);
        ran.push('goreleaser');
      } else {
        assert.ok(step.run, `a step the test cannot run: ${JSON.stringify(step)}`);
        const script = expression(step.run).replace(DOC_CLONE_URL, `file://${ROOT}`);
        const r = await exec('bash', ['-e', '-o', 'pipefail', '-c', script], project, env);
        assert.equal(r.code, 0, `${script}\n${r.output}`);
        ran.push(step.run.split('\n')[0]!.slice(0, 30));
      }
    }
    assert.equal(ran.length, 3, ran.join(' | '));
    assert.deepEqual(await platforms('1.2.0'), ['darwin_amd64', 'darwin_arm64', 'linux_amd64', 'linux_arm64']);
  });

  it('GitLab CI: the job script releases the next tag; a re-run for the same tag changes nothing', async () => {
    const job = (parse(await docYaml('GitLab CI')) as Record<string, { variables: Record<string, string>; script: string[] }>)[
      'publish-provider'
    ]!;
    await tag('1.3.0');
    const env: Record<string, string> = {
      ...baseEnv,
      CI_COMMIT_TAG: 'v1.3.0',
      TF_OCI_REGISTRY_TOKEN: TOKEN,
      GPG_FINGERPRINT: key.fingerprint,
    };
    for (const [k, v] of Object.entries(job.variables)) env[k] = String(v).replace(DOC_URL, url);
    const script = job.script.join('\n');
    const first = await exec('bash', ['-e', '-o', 'pipefail', '-c', script], project, env);
    assert.equal(first.code, 0, first.output);
    assert.equal((await platforms('1.3.0')).length, 4);
    const again = await exec('bash', ['-e', '-o', 'pipefail', '-c', script], project, env);
    assert.equal(again.code, 0, again.output);
    assert.equal((await platforms('1.3.0')).length, 4);
  });

  it('a release signed by another key than the registered one fails GoReleaser and publishes nothing', async () => {
    const job = (parse(await docYaml('GitLab CI')) as Record<string, { variables: Record<string, string>; script: string[] }>)[
      'publish-provider'
    ]!;
    await tag('1.4.0');
    const keyFile = join(work, 'registered-key.asc');
    await writeFile(keyFile, await gpg.exportPublicKey(key));
    const env = { ...baseEnv, TF_OCI_REGISTRY_URL: url, TF_OCI_REGISTRY_TOKEN: TOKEN, GPG_FINGERPRINT: otherKey.fingerprint };
    // The job's GoReleaser line, with the registered key's file but a signature made by the other key.
    const r = await exec('bash', ['-e', '-c', job.script.at(-1)!], project, { ...env, TF_OCI_REGISTRY_KEY_FILE: keyFile });
    assert.notEqual(r.code, 0, r.output);
    assert.match(r.output, /custom publisher: failed to publish artifacts/);
    assert.match(r.output, /was refused with HTTP 422/);
    assert.deepEqual(await platforms('1.4.0'), []);
  });
});
