// podman for the container tests (docs/docker.md): runs it with the project's containers.conf for
// restricted hosts (docker/podman-containers.conf), builds the image through docker/build-image.sh (podman's
// layer cache makes a rebuild after no change take seconds), and reads the documented command lines out
// of docs/docker.md so the tests run exactly what the docs print.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { requireTool } from '../support/distribution.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CONTAINERS_CONF = `${ROOT}docker/podman-containers.conf`;

/** Skip (loudly) without podman; in CI a missing tool fails instead (.ci/run installs it). */
export const podmanTools = (): { skip?: string } => requireTool('podman', 'runc', 'debootstrap');

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function env(): NodeJS.ProcessEnv {
  return { ...process.env, CONTAINERS_CONF: process.env.CONTAINERS_CONF ?? CONTAINERS_CONF };
}

/** Runs a command; resolves with its exit code and outputs (never rejects). */
export function run(cmd: string, args: string[], timeoutMs = 120_000): Promise<Run> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd: ROOT, env: env(), timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code as number) : 1) : 0;
      resolve({ code, stdout, stderr: err && code === 1 && !stderr ? String(err) : stderr });
    });
  });
}

export const podman = (args: string[], timeoutMs?: number): Promise<Run> => run('podman', args, timeoutMs);

/** podman, failing with its output when it exits non-zero. */
export async function podmanOk(args: string[], timeoutMs?: number): Promise<string> {
  const r = await podman(args, timeoutMs);
  if (r.code !== 0) throw new Error(`podman ${args.join(' ')} exited ${r.code}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** Builds (or reuses from podman's layer cache) the image from the Dockerfile; returns its name. */
export async function buildImage(image: string): Promise<string> {
  const r = await run('bash', ['docker/build-image.sh', image], 40 * 60_000);
  if (r.code !== 0) throw new Error(`docker/build-image.sh failed (${r.code}):\n${r.stderr.slice(-6000)}`);
  return r.stdout.trim().split('\n').at(-1)!;
}

/** The fenced blocks of docs/docker.md in a given language, in order. */
export function docBlocks(lang: string): string[] {
  const text = readFileSync(`${ROOT}docs/docker.md`, 'utf8');
  return [...text.matchAll(new RegExp(`\`\`\`${lang}\\n([\\s\\S]*?)\`\`\``, 'g'))].map((m) => m[1]!);
}

/** The documented command line starting with `prefix` (continuation lines joined), split into words. */
export function documentedCommand(prefix: string): string[] {
  for (const block of docBlocks('sh')) {
    const joined = block.replace(/\\\n\s*/g, ' ');
    for (const line of joined.split('\n')) {
      const cmd = line.replace(/\s+#.*$/, '').trim();
      if (cmd.startsWith(prefix)) return cmd.split(/\s+/);
    }
  }
  throw new Error(`docs/docker.md prints no command starting with "${prefix}"`);
}

/**
 * Replaces parts of documented words (`from` -> `to`, each at the start of a word) and fails when a
 * replacement finds nothing, so the docs cannot drift from what the test runs.
 */
export function substitute(words: string[], replacements: Array<[from: string, to: string]>): string[] {
  const out = [...words];
  for (const [from, to] of replacements) {
    const i = out.findIndex((w) => w.startsWith(from));
    if (i < 0) throw new Error(`the documented command has no word starting with "${from}": ${words.join(' ')}`);
    out[i] = to + out[i]!.slice(from.length);
  }
  return out;
}
