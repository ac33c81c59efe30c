// Runs the real terraform CLI (the binary named by TF_OCI_TERRAFORM, see .ci/build-terraform.sh), or
// the real OpenTofu CLI (TF_OCI_TOFU, .ci/build-tofu.sh), in isolated temp workspaces for end-to-end
// tests: its own CLI config, HOME, data dir and plugin cache, no inherited TF_* / TOFU_* / proxy / CA
// settings, a timeout on every command, and a reader for the `.terraform.lock.hcl` it writes.
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** A CLI the end-to-end suites run: the binary named by an environment variable (built by .ci/). */
export interface CliTool {
  envVar: string;
  name: string;
  /** How to get it, shown when it is missing. */
  hint: string;
}

export const TERRAFORM: CliTool = {
  envVar: 'TF_OCI_TERRAFORM',
  name: 'terraform',
  hint: 'export TF_OCI_TERRAFORM="$(.ci/build-terraform.sh)"',
};
export const TOFU: CliTool = { envVar: 'TF_OCI_TOFU', name: 'tofu', hint: 'export TF_OCI_TOFU="$(.ci/build-tofu.sh)"' };
/** The older versions CI also runs (test/e2e/extra-versions.test.ts); optional even in CI. */
export const TERRAFORM_EXTRA: CliTool = {
  envVar: 'TF_OCI_TERRAFORM_EXTRA',
  name: 'terraform (extra version)',
  hint: 'export TF_OCI_TERRAFORM_EXTRA="$(.ci/build-terraform.sh 1.5.7)"',
};
export const TOFU_EXTRA: CliTool = {
  envVar: 'TF_OCI_TOFU_EXTRA',
  name: 'tofu (extra version)',
  hint: 'export TF_OCI_TOFU_EXTRA="$(.ci/build-tofu.sh 1.6.3)"',
};

/** GoReleaser (.ci/build-goreleaser.sh), for the docs' release examples (test/cli/goreleaser.test.ts); optional even in CI. */
export const GORELEASER: CliTool = {
  envVar: 'TF_OCI_GORELEASER',
  name: 'goreleaser',
  hint: 'export TF_OCI_GORELEASER="$(.ci/build-goreleaser.sh)"',
};

function isCI(): boolean {
  const ci = process.env.CI;
  return ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false';
}

function locate(tool: CliTool): { path: string } | { problem: string } {
  const path = process.env[tool.envVar];
  if (!path) return { problem: `${tool.envVar} is not set (${tool.hint})` };
  try {
    accessSync(path, constants.X_OK);
    return { path };
  } catch {
    return { problem: `${tool.envVar}=${path} is not an executable file` };
  }
}

/** The terraform binary from TF_OCI_TERRAFORM, or undefined when unset or not executable. */
export function findTerraform(): string | undefined {
  const found = locate(TERRAFORM);
  return 'path' in found ? found.path : undefined;
}

const warned = new Set<string>();

/**
 * What an end-to-end suite passes as its `skip` option: `false` when the CLI is available, and also
 * when CI is set (the suite then runs and fails in `requireCli()`); otherwise a reason, also printed to
 * stderr so a local skip is never silent.
 *
 *     describe('scenario', { skip: terraformSkipReason() }, () => {
 *       let terraform: string;
 *       before(() => { terraform = requireTerraform(); });
 */
export function cliSkipReason(tool: CliTool): string | false {
  const found = locate(tool);
  if ('path' in found || isCI()) return false;
  const reason = `${tool.name} end-to-end tests SKIPPED: ${found.problem}`;
  if (!warned.has(tool.name)) console.warn(`\n*** ${reason} ***\n`);
  warned.add(tool.name);
  return reason;
}

/** Like cliSkipReason, but a missing CLI is skipped in CI too (for optional tools such as the extra versions). */
export function optionalCliSkipReason(tool: CliTool): string | false {
  const found = locate(tool);
  if ('path' in found) return false;
  const reason = `${tool.name} end-to-end tests SKIPPED: ${found.problem}`;
  if (!warned.has(tool.name)) console.warn(`\n*** ${reason} ***\n`);
  warned.add(tool.name);
  return reason;
}

/** The CLI's binary; throws (failing the test) when it is missing. */
export function requireCli(tool: CliTool): string {
  const found = locate(tool);
  if ('path' in found) return found.path;
  throw new Error(`${found.problem}${isCI() ? `; CI requires the ${tool.name} end-to-end tests to run` : ''}`);
}

export const terraformSkipReason = (): string | false => cliSkipReason(TERRAFORM);
export const requireTerraform = (): string => requireCli(TERRAFORM);

export interface WorkspaceOptions {
  /** Contents of the CLI config file (TF_CLI_CONFIG_FILE), e.g. a provider_installation block. */
  cliConfig: string;
  /** Configuration files relative to the working directory, e.g. `{ 'main.tf': '...' }`. */
  files: Record<string, string>;
  /** Extra environment for every command (e.g. SSL_CERT_FILE, TF_LOG); wins over the defaults. */
  env?: Record<string, string>;
  /** TF_PLUGIN_CACHE_DIR: default a fresh dir in the workspace; `false` for none; a path to share one. */
  pluginCacheDir?: string | false;
  /** The CLI binary (terraform or tofu); default requireTerraform(). */
  terraform?: string;
}

export interface RunResult {
  /** Exit code; null when killed (see timedOut). */
  code: number | null;
  /** Output with ANSI colour codes removed. */
  stdout: string;
  stderr: string;
  /**
   * stdout + stderr without diagnostic box characters and with whitespace runs collapsed to one
   * space, so messages terraform wrapped at 78 columns can be matched as one line.
   */
  flat: string;
  timedOut: boolean;
  durationMs: number;
}

export interface RunOptions {
  /** Default 180 s; the process group is killed when it expires. */
  timeoutMs?: number;
  env?: Record<string, string>;
}

export interface LockedProvider {
  version: string;
  constraints?: string;
  hashes: string[];
}

/** Parsed `.terraform.lock.hcl`: provider address (e.g. `registry.example.test/acme/tfocitest`) -> entry. */
export type LockFile = Record<string, LockedProvider>;

export interface TerraformWorkspace {
  /** Temp root; also HOME. Holds `.terraformrc`, `data/` (TF_DATA_DIR), `plugin-cache/` and `work/`. */
  root: string;
  /** The working directory with the configuration files and `.terraform.lock.hcl`. */
  dir: string;
  cliConfigPath: string;
  /** The environment every command gets (before per-run overrides). */
  env: Record<string, string>;
  run(args: string[], opts?: RunOptions): Promise<RunResult>;
  /** Like run(), but throws with the full output unless terraform exits 0. */
  runOk(args: string[], opts?: RunOptions): Promise<RunResult>;
  /** Writes (or overwrites) configuration files relative to `dir`. */
  writeFiles(files: Record<string, string>): Promise<void>;
  /** The parsed lock file, or null when terraform has not written one. */
  readLockFile(): Promise<LockFile | null>;
  cleanup(): Promise<void>;
}

/** Creates an isolated terraform workspace in a new temp dir. */
export async function terraformWorkspace(opts: WorkspaceOptions): Promise<TerraformWorkspace> {
  const terraform = opts.terraform ?? requireTerraform();
  const root = await mkdtemp(join(tmpdir(), 'tfoci-tf-'));
  const dir = join(root, 'work');
  const cliConfigPath = join(root, '.terraformrc');
  await mkdir(dir);
  await writeFile(cliConfigPath, opts.cliConfig);

  // Nothing from the developer's or CI's terraform setup may leak in: no TF_* (tokens, CLI args,
  // logging), no proxies, no extra trusted CAs, no checkpoint calls.
  const inherited = Object.entries(process.env).filter(
    (e): e is [string, string] =>
      e[1] !== undefined && !/^(TF_|TOFU_|CHECKPOINT_|SSL_CERT_|DOCKER_CONFIG$|(HTTPS?|ALL|NO)_PROXY$)/i.test(e[0]),
  );
  const env: Record<string, string> = {
    ...Object.fromEntries(inherited),
    HOME: root,
    XDG_CONFIG_HOME: join(root, '.config'),
    XDG_CACHE_HOME: join(root, '.cache'),
    // Implicit local provider mirrors are searched under the XDG data dirs.
    XDG_DATA_HOME: join(root, '.local', 'share'),
    XDG_DATA_DIRS: join(root, '.xdg-data'),
    TF_CLI_CONFIG_FILE: cliConfigPath,
    TF_DATA_DIR: join(root, 'data'),
    TF_IN_AUTOMATION: '1',
    TF_INPUT: '0',
    CHECKPOINT_DISABLE: '1',
  };
  if (opts.pluginCacheDir !== false) {
    const cache = opts.pluginCacheDir ?? join(root, 'plugin-cache');
    await mkdir(cache, { recursive: true });
    env.TF_PLUGIN_CACHE_DIR = cache;
  }
  Object.assign(env, opts.env);

  const writeFiles = async (files: Record<string, string>) => {
    for (const [name, content] of Object.entries(files)) {
      const path = join(dir, name);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, content);
    }
  };
  await writeFiles(opts.files);

  const run = (args: string[], runOpts: RunOptions = {}) =>
    runTerraform(terraform, args, dir, { ...env, ...runOpts.env }, runOpts.timeoutMs ?? 180_000);

  return {
    root,
    dir,
    cliConfigPath,
    env,
    run,
    async runOk(args, runOpts) {
      const r = await run(args, runOpts);
      if (r.code !== 0) {
        throw new Error(
          `terraform ${args.join(' ')} ${r.timedOut ? 'timed out' : `exited ${r.code}`}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`,
        );
      }
      return r;
    },
    writeFiles,
    async readLockFile() {
      try {
        return parseLockFile(await readFile(join(dir, '.terraform.lock.hcl'), 'utf8'));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw err;
      }
    },
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
}

function runTerraform(bin: string, args: string[], cwd: string, env: Record<string, string>, timeoutMs: number): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    // Own process group, so a timeout also kills the provider plugin processes terraform started.
    const child = spawn(bin, args, { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      const stdout = stripAnsi(Buffer.concat(out).toString('utf8'));
      const stderr = stripAnsi(Buffer.concat(err).toString('utf8'));
      const flat = `${stdout}\n${stderr}`.replace(/[╷│╵]/g, ' ').replace(/\s+/g, ' ').trim();
      resolve({ code, stdout, stderr, flat, timedOut, durationMs: Date.now() - started });
    });
  });
}

function stripAnsi(s: string): string {
  return s.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '');
}

/**
 * Parses the `provider` blocks of a `.terraform.lock.hcl`. Only what terraform itself writes is
 * understood: quoted `version`/`constraints` and a `hashes = [ "...", ]` list.
 */
export function parseLockFile(text: string): LockFile {
  const result: LockFile = {};
  const block = /^provider\s+"([^"]+)"\s*\{([\s\S]*?)^\}/gm;
  for (const [, address, body] of text.matchAll(block)) {
    const attr = (name: string) => new RegExp(`^\\s*${name}\\s*=\\s*"([^"]*)"`, 'm').exec(body!)?.[1];
    const version = attr('version');
    if (!address || version === undefined) throw new Error(`lock file: provider block without version:\n${body}`);
    const list = /^\s*hashes\s*=\s*\[([\s\S]*?)\]/m.exec(body!)?.[1] ?? '';
    const hashes = [...list.matchAll(/"([^"]+)"/g)].map((m) => m[1]!);
    const constraints = attr('constraints');
    result[address] = constraints === undefined ? { version, hashes } : { version, constraints, hashes };
  }
  return result;
}
