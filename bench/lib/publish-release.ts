// The publish benchmark's release: a ~1 GB GoReleaser-named release (14 platforms, random incompressible
// stored zips, SHA256SUMS, its signature, _manifest.json) and its `tar | gzip -1` tarball, written to disk
// once per run and sent by every side of bench/publish.ts (our API, the raw push, the work floor).
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256File } from '../../src/verify/sha256-stream.js';
import { writeRandomZip, type BenchSigner } from './fixtures.js';
import { runCommand } from './processes.js';

export const TYPE = 'bench';
export const VERSION = '1.0.0';
export const PLATFORMS = [
  ['linux', 'amd64'],
  ['linux', '386'],
  ['linux', 'arm'],
  ['linux', 'arm64'],
  ['darwin', 'amd64'],
  ['darwin', 'arm64'],
  ['windows', 'amd64'],
  ['windows', '386'],
  ['windows', 'arm64'],
  ['freebsd', 'amd64'],
  ['freebsd', '386'],
  ['freebsd', 'arm'],
  ['openbsd', 'amd64'],
  ['solaris', 'amd64'],
] as const;

export interface Release {
  dir: string;
  files: string[];
  /** Sum of the release files' sizes: what both the publish and the raw push move. */
  bytes: number;
  tarball: string;
  tarballBytes: number;
}

/** Writes the release files and the tarball (gzip -1: GoReleaser users gzip; random data does not shrink). */
export async function makeRelease(dir: string, totalMb: number, signer: BenchSigner): Promise<Release> {
  mkdirSync(dir, { recursive: true });
  const prefix = `terraform-provider-${TYPE}_${VERSION}`;
  const perZip = Math.floor((totalMb * 1024 * 1024) / PLATFORMS.length);
  const files: string[] = [];
  for (const [os, arch] of PLATFORMS) {
    const name = `${prefix}_${os}_${arch}.zip`;
    await writeRandomZip(join(dir, name), `terraform-provider-${TYPE}_v${VERSION}${os === 'windows' ? '.exe' : ''}`, perZip);
    files.push(name);
  }
  const manifest = `${prefix}_manifest.json`;
  writeFileSync(join(dir, manifest), JSON.stringify({ version: 1, metadata: { protocol_versions: ['6.0'] } }));
  files.push(manifest);
  const lines: string[] = [];
  for (const f of files) lines.push(`${(await sha256File(join(dir, f))).hex}  ${f}\n`);
  const sums = `${prefix}_SHA256SUMS`;
  writeFileSync(join(dir, sums), lines.sort((a, b) => (a.slice(66) < b.slice(66) ? -1 : 1)).join(''));
  writeFileSync(join(dir, `${sums}.sig`), await signer.sign(await readFile(join(dir, sums))));
  files.push(sums, `${sums}.sig`);
  const tarball = join(dir, 'release.tar.gz');
  const r = await runCommand('sh', ['-c', `tar -C '${dir}' -cf - ${files.map((f) => `'${f}'`).join(' ')} | gzip -1 > '${tarball}'`], {
    timeoutMs: 600_000,
  });
  if (r.code !== 0) throw new Error(`tar | gzip failed: ${r.stderr}`);
  const bytes = files.reduce((n, f) => n + statSync(join(dir, f)).size, 0);
  return { dir, files, bytes, tarball, tarballBytes: statSync(tarball).size };
}
