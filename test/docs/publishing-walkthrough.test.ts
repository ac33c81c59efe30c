// docs/publishing.md "The publishing API, step by step" and docs/modules.md "Publishing, step by step", run
// as written: their ```sh blocks, in order (modules after providers, in the same shell state), with
// bash -e -o pipefail, against a real server process (layout store, service-mode API tokens) and real
// gpg keys, from a directory holding GoReleaser-named releases; each block's output is compared with the
// ```json / ```text block the doc shows after it, and its exit status with the `<!-- exit N -->` mark
// before it (0 without one). Normalized on both sides, as the doc says: the generated keys' fingerprints,
// timestamps and upload-URL tokens. `WALKTHROUGH_PRINT=1` prints what the server answers now instead of
// comparing (to update the doc after a deliberate change).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { hashToken } from '../../src/auth/api-tokens.js';
import { LINUX_AND_MAC, buildRelease } from '../publish/release-fixture.js';
import { requireTool } from '../support/distribution.js';
import { createGpgHome, gpgSkip, type GpgHome, type TestKey } from '../support/gpg.js';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The walkthroughs, in the order they run. */
const WALKTHROUGHS = [
  { file: 'docs/publishing.md', section: '## The publishing API, step by step' },
  { file: 'docs/modules.md', section: '### Publishing, step by step' },
];
/** The fingerprints the doc shows for the release key and for the other key. */
const DOC_FINGERPRINT = '3AA5C34371567BD2D1BD7A5BDB8B5C4A7C3E1F9D';
const DOC_OTHER_FINGERPRINT = '9F2C1B0E8D7A6C5B4E3D2C1B0A9F8E7D6C5B4A39';
const TOKEN = 'walkthrough-admin-token-0123456789';
const CI_TOKEN = 'walkthrough-ci-token-0123456789';
const PRINT = process.env.WALKTHROUGH_PRINT === '1';

export interface Step {
  command: string;
  output?: string;
  exit: number;
  /** Where the step is (a line number, then file:line). */
  line: number | string;
}

/** The sh blocks of `heading`'s section, each with the output block after it (if any) and its expected exit status. */
export function walkthroughSteps(doc: string, heading: string): Step[] {
  const start = doc.indexOf(`${heading}\n`);
  assert.ok(start >= 0, `no "${heading}"`);
  // The section ends at the next heading of the same or a higher level.
  const level = heading.split(' ')[0]!;
  const next = doc.slice(start + heading.length).search(new RegExp(`\\n#{1,${level.length}} `));
  const section = doc.slice(start, next < 0 ? undefined : start + heading.length + next);
  const lineOf = (i: number) => doc.slice(0, start + i).split('\n').length;
  const steps: Step[] = [];
  for (const m of section.matchAll(/(<!-- exit (\d+) -->\s*\n)?```(sh|json|text)\n([\s\S]*?)```/g)) {
    if (m[3] === 'sh') steps.push({ command: m[4]!, exit: Number(m[2] ?? 0), line: lineOf(m.index!) });
    else {
      const last = steps.at(-1);
      assert.ok(last && last.output === undefined, `an output block without a command before it (line ${lineOf(m.index!)})`);
      last.output = m[4]!;
    }
  }
  return steps;
}

/** The variables the steps assign (NAME=... at the start of a line), carried from one step to the next. */
const assigned = (steps: Step[]): string[] => [
  ...new Set(steps.flatMap((s) => [...s.command.matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]!))),
];

function bash(script: string, cwd: string, env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('bash', ['-c', script], { cwd, env, timeout: 120_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('docs/publishing.md: the publishing API step by step, run as written', {
  skip: requireTool('jq', 'curl', 'tar').skip || gpgSkip,
}, () => {
  let server: ServerProcess;
  let gpg: GpgHome;
  let key: TestKey;
  let other: TestKey;
  let work: string;

  /** The doc's fixed fingerprints (and their key ids) in place of the generated keys', timestamps, upload tokens. */
  const normalize = (text: string): string => {
    let t = text;
    for (const [real, shown] of [
      [key.fingerprint, DOC_FINGERPRINT],
      [other.fingerprint, DOC_OTHER_FINGERPRINT],
    ] as const) {
      for (const f of [real, real.toLowerCase()]) t = t.replaceAll(f, shown.toLowerCase()).replaceAll(f.slice(-16), shown.slice(-16));
    }
    return t
      .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, '<time>')
      .replace(/\/api\/v1\/uploads\/[A-Za-z0-9_.~-]+/g, '/api/v1/uploads/<token>')
      .replace(/https?:\/\/(localhost|127\.0\.0\.1):\d+\//g, 'https://registry.example.com/')
      .trimEnd();
  };

  before(async () => {
    gpg = await createGpgHome();
    key = await gpg.generateKey('ed25519', 'release@example.com');
    other = await gpg.generateKey('ed25519', 'someone-else@example.com');
    work = await mkdtemp(join(tmpdir(), 'tfoci-walkthrough-'));
    // The releases in the working directory: 1.2.0 is signed by the other key (the doc's failed upload).
    for (const [version, signer] of [
      ['1.1.0', key],
      ['1.2.0', other],
      ['1.3.0', key],
    ] as const) {
      const release = await buildRelease({
        type: 'widget',
        version,
        platforms: LINUX_AND_MAC,
        protocols: ['6.0'],
        sign: (data) => gpg.detachSign(signer, data),
      });
      for (const [name, bytes] of release.files) await writeFile(join(work, name), bytes);
    }
    // The module of docs/modules.md.
    await mkdir(join(work, 'modules', 'vpc'), { recursive: true });
    await writeFile(join(work, 'modules', 'vpc', 'main.tf'), 'variable "cidr" {}\n\noutput "vpc_id" {\n  value = var.cidr\n}\n');
    await writeFile(join(work, 'modules', 'vpc', 'README.md'), '# vpc\n');
    const config = join(work, '..', `${work.split('/').at(-1)}.toml`);
    await writeFile(
      config,
      `[server]\nregistry_hostname = "registry.example.com"\nsecrets = ["walkthrough-secret-0123456789abcdef"]\n` +
        `[storage]\nkind = "layout"\npath = "${join(work, '..', `${work.split('/').at(-1)}-data`)}"\n` +
        `[auth]\nmode = "service"\n[[auth.tokens]]\nname = "release"\nsha256 = "${hashToken(TOKEN)}"\n` +
        'permissions = ["providers:*", "provider-versions:*", "gpg-keys:*", "modules:*"]\n' +
        `[[auth.tokens]]\nname = "ci"\nsha256 = "${hashToken(CI_TOKEN)}"\npermissions = ["providers:read", "provider-versions:create"]\n`,
    );
    server = await startServerProcess({ https: false, env: { TF_OCI_REGISTRY_CONFIG: config } });
  });

  after(async () => {
    await server?.stop();
    await gpg?.close();
    if (work) {
      await rm(work, { recursive: true, force: true });
      await rm(`${work}.toml`, { force: true });
      await rm(`${work}-data`, { recursive: true, force: true });
    }
  });

  it('every step prints what the doc shows and exits as the doc says', { timeout: 600_000 }, async () => {
    const steps: Step[] = [];
    for (const w of WALKTHROUGHS) {
      const found = walkthroughSteps(await readFile(join(ROOT, w.file), 'utf8'), w.section);
      assert.ok(found.length >= 4, `${w.file}: only ${found.length} steps`);
      steps.push(...found.map((s) => ({ ...s, line: `${w.file}:${s.line}` })));
    }
    const state = join(work, '.state.sh');
    await writeFile(state, '');
    const vars = assigned(steps);
    // What the doc asks the reader to set, nothing else of this process's environment.
    const env = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: work,
      GNUPGHOME: gpg.dir,
      TF_OCI_REGISTRY_URL: server.url,
      TF_OCI_REGISTRY_TOKEN: TOKEN,
      CI_TOKEN,
      KEY_ID: 'release@example.com',
    };
    const report: string[] = [];
    for (const step of steps) {
      // Each step in its own bash, with the variables the earlier steps set, as in one terminal.
      const script = `source ${state}\ntrap 'rc=$?; set +e; declare -p ${vars.join(' ')} > ${state} 2>/dev/null; exit $rc' EXIT\nset -e -o pipefail\n${step.command}`;
      const r = await bash(script, work, env);
      const shown = `at ${step.line}: ${step.command.trim()}\n--- exit ${r.code}, stdout:\n${normalize(r.stdout)}\n--- stderr:\n${r.stderr}`;
      if (PRINT) {
        report.push(shown);
        continue;
      }
      assert.equal(r.code, step.exit, shown);
      if (step.output !== undefined) assert.equal(normalize(r.stdout), normalize(step.output), shown);
    }
    if (PRINT) console.log(report.join('\n\n'));
  });
});
