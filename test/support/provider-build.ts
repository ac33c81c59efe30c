// Builds the real test provider (test/fixtures/provider, type `tfocitest`) into the release files a
// GoReleaser-built provider ships: one `<name>_<version>_<os>_<arch>.zip` per platform holding only
// the `<name>_v<version>[.exe]` binary, `<name>_<version>_SHA256SUMS` (+ `.sig` through a signing
// callback), optionally `<name>_<version>_manifest.json` and a flat `.tar.gz` of all of them (the
// publish upload). Binaries and zips are cached per (source, Go version, provider version, platform),
// so warm builds only copy files.
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { createReadStream, createWriteStream } from 'node:fs';
import { access, copyFile, mkdir, mkdtemp, readFile, readdir, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createGzip } from 'node:zlib';
import tar from 'tar-stream';

const run = promisify(execFile);

/** The provider's type name; resources are `tfocitest_echo`, data sources `tfocitest_info`. */
export const PROVIDER_TYPE = 'tfocitest';
/** GoReleaser's project name, the prefix of every release file. */
export const PROVIDER_PROJECT = `terraform-provider-${PROVIDER_TYPE}`;
/** Plugin protocol versions the provider speaks (terraform-plugin-framework = protocol 6). */
export const PROVIDER_PROTOCOLS = ['6.0'] as const;
/** Go module directory of the provider sources. */
export const PROVIDER_SOURCE_DIR = fileURLToPath(new URL('../fixtures/provider/', import.meta.url));

/** A Go target platform, e.g. `{ os: 'linux', arch: 'amd64' }`. */
export interface Platform {
  os: string;
  arch: string;
}

export interface BuildTestProviderOptions {
  /** Version without a leading `v`; stamped into the binary (`tfocitest_info.version`). */
  version: string;
  platforms: Platform[];
  /** Directory that receives the release files (created if missing). */
  outDir: string;
  /** Write `<name>_<version>_manifest.json` and list it in SHA256SUMS, like GoReleaser does. Default true. */
  manifest?: boolean;
  /** Called with the SHA256SUMS path once it is written; returns the path of the detached signature. */
  sign?: (shasumsPath: string) => Promise<string>;
  /** Also pack every release file into `<name>_<version>_release.tar.gz`. Default false. */
  tarball?: boolean;
  /** Build cache root. Default `$TF_OCI_CACHE_DIR` or `~/.cache/tf-oci-registry`. */
  cacheDir?: string;
}

/** One platform's package as it sits in `outDir`. */
export interface ProviderPackage extends Platform {
  /** `terraform-provider-tfocitest_<version>_<os>_<arch>.zip` */
  filename: string;
  path: string;
  /** The single zip entry: `terraform-provider-tfocitest_v<version>[.exe]`. */
  binaryName: string;
  size: number;
  /** Lowercase hex sha256 of the zip (also the OCI layer digest). */
  sha256: string;
  /** `zh:<sha256>` as lock files record it. */
  zh: string;
  /** `h1:` dirhash of the zip's contents, as `terraform init` records it for this platform. */
  h1: string;
}

export interface ProviderRelease {
  version: string;
  outDir: string;
  packages: ProviderPackage[];
  shasumsPath: string;
  /** Exact bytes of the SHA256SUMS document. */
  shasums: string;
  manifestPath?: string;
  signaturePath?: string;
  tarballPath?: string;
  /** Every release file written to `outDir` except the tarball, sorted by name. */
  files: string[];
}

/** The platform of this machine in Go's naming, i.e. what a terraform binary built here runs on. */
export function hostPlatform(): Platform {
  const os = process.platform === 'win32' ? 'windows' : process.platform;
  const arch = ({ x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm' } as Record<string, string>)[process.arch];
  if (!arch) throw new Error(`no Go architecture for node arch ${process.arch}`);
  return { os, arch };
}

/** Builds, zips and checksums the provider for each platform into `outDir`. */
export async function buildTestProvider(opts: BuildTestProviderOptions): Promise<ProviderRelease> {
  const { version, outDir } = opts;
  if (!/^[0-9A-Za-z][0-9A-Za-z.+-]*$/.test(version)) throw new Error(`bad provider version ${JSON.stringify(version)}`);
  if (opts.platforms.length === 0) throw new Error('buildTestProvider: no platforms');
  await mkdir(outDir, { recursive: true });
  const builds = join(opts.cacheDir ?? defaultCacheDir(), 'provider-builds');
  const fp = await sourceFingerprint();
  pruned ??= pruneStaleBuilds(builds, fp);
  await pruned;
  const cacheRoot = join(builds, fp, version);

  const packages = await Promise.all(
    opts.platforms.map(async (p): Promise<ProviderPackage> => {
      const cached = await cachedPackage(cacheRoot, version, p);
      const filename = `${PROVIDER_PROJECT}_${version}_${p.os}_${p.arch}.zip`;
      const path = join(outDir, filename);
      await copyFile(cached.zipPath, path);
      const sha256 = await sha256File(path);
      return {
        ...p,
        filename,
        path,
        binaryName: cached.binaryName,
        size: (await stat(path)).size,
        sha256,
        zh: `zh:${sha256}`,
        h1: cached.h1,
      };
    }),
  );

  const sums: Array<[string, string]> = packages.map((p) => [p.sha256, p.filename]);
  let manifestPath: string | undefined;
  if (opts.manifest ?? true) {
    manifestPath = join(outDir, `${PROVIDER_PROJECT}_${version}_manifest.json`);
    const manifest = { version: 1, metadata: { protocol_versions: [...PROVIDER_PROTOCOLS] } };
    await writeFile(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
    sums.push([await sha256File(manifestPath), basename(manifestPath)]);
  }
  // sha256sum format: "<hex>  <name>", one line per file, sorted by name.
  sums.sort((a, b) => (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  const shasums = sums.map(([hex, name]) => `${hex}  ${name}\n`).join('');
  const shasumsPath = join(outDir, `${PROVIDER_PROJECT}_${version}_SHA256SUMS`);
  await writeFile(shasumsPath, shasums);

  const signaturePath = opts.sign ? await opts.sign(shasumsPath) : undefined;
  const files = [...packages.map((p) => p.path), shasumsPath, manifestPath, signaturePath]
    .filter((f): f is string => f !== undefined)
    .sort((a, b) => (basename(a) < basename(b) ? -1 : 1));

  let tarballPath: string | undefined;
  if (opts.tarball) {
    tarballPath = join(outDir, `${PROVIDER_PROJECT}_${version}_release.tar.gz`);
    await packReleaseTarball(tarballPath, files);
  }
  return { version, outDir, packages, shasumsPath, shasums, manifestPath, signaturePath, tarballPath, files };
}

/** A tarball entry: a file on disk, or literal content (for malformed-upload tests). */
export type TarballEntry = string | { name: string; path: string } | { name: string; content: string | Uint8Array };

/** Writes a gzip'd tar with the given entries at its top level; a plain path is stored under its basename. */
export async function packReleaseTarball(tarballPath: string, entries: TarballEntry[]): Promise<string> {
  const pack = tar.pack();
  const written = pipeline(pack, createGzip(), createWriteStream(tarballPath));
  written.catch(() => undefined); // observed below; avoids an unhandled rejection meanwhile
  const mtime = new Date(FIXED_MTIME_MS);
  try {
    for (const e of entries) {
      const entry = typeof e === 'string' ? { name: basename(e), path: e } : e;
      if ('content' in entry) {
        const body = Buffer.from(entry.content);
        await new Promise<void>((resolve, reject) =>
          pack.entry({ name: entry.name, size: body.length, mode: 0o644, mtime }, body, (err) => (err ? reject(err) : resolve())),
        );
      } else {
        const { size } = await stat(entry.path);
        const sink = pack.entry({ name: entry.name, size, mode: 0o644, mtime });
        await pipeline(createReadStream(entry.path), sink);
      }
    }
    pack.finalize();
  } catch (err) {
    pack.destroy(err as Error);
  }
  await written;
  return tarballPath;
}

/** `h1:` (Go dirhash Hash1) of a set of files given as name -> content. */
export function h1Hash(files: Array<[name: string, content: Uint8Array]>): string {
  const sorted = [...files].sort((a, b) => Buffer.compare(Buffer.from(a[0]), Buffer.from(b[0])));
  const outer = createHash('sha256');
  for (const [name, content] of sorted) {
    outer.update(`${createHash('sha256').update(content).digest('hex')}  ${name}\n`);
  }
  return `h1:${outer.digest('base64')}`;
}

// 2020-01-01T00:00:00Z: fixed timestamps keep zips and tarballs byte-identical across rebuilds.
const FIXED_MTIME_MS = Date.UTC(2020, 0, 1);
// Bump when the build or zip recipe changes so stale cache entries are not reused.
const RECIPE = 'v2 -trimpath -s -w CGO_ENABLED=0 zip -X';

function defaultCacheDir(): string {
  return process.env.TF_OCI_CACHE_DIR || join(homedir(), '.cache', 'tf-oci-registry');
}

let fingerprint: Promise<string> | undefined;
let pruned: Promise<void> | undefined;

/** Best effort: drops cache entries of other sources/Go versions untouched for an hour. */
async function pruneStaleBuilds(builds: string, keep: string): Promise<void> {
  const names = await readdir(builds).catch(() => [] as string[]);
  for (const name of names) {
    if (name === keep) continue;
    const path = join(builds, name);
    const { mtimeMs } = await stat(path).catch(() => ({ mtimeMs: Date.now() }));
    if (Date.now() - mtimeMs > 3_600_000) await rm(path, { recursive: true, force: true }).catch(() => undefined);
  }
}

/** Hash of the provider sources, the Go version and the recipe: the cache key's first part. */
function sourceFingerprint(): Promise<string> {
  fingerprint ??= (async () => {
    const hash = createHash('sha256').update(`${RECIPE}\n`);
    const { stdout } = await run('go', ['env', 'GOVERSION'], { env: goEnv() });
    hash.update(stdout);
    const names = (await readdir(PROVIDER_SOURCE_DIR)).filter((n) => /^(go\.mod|go\.sum|.*\.go)$/.test(n)).sort();
    for (const n of names) hash.update(`${n}\n`).update(await readFile(join(PROVIDER_SOURCE_DIR, n)));
    return hash.digest('hex').slice(0, 16);
  })();
  return fingerprint;
}

function goEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...process.env, GOWORK: 'off', GOFLAGS: '-buildvcs=false', ...extra };
}

/**
 * Returns the cached zip (+ its h1) for one platform, building it when missing. Only the zip and a
 * small `.h1` file are kept (about 6 MB per version and platform), not the 18 MB binary.
 */
async function cachedPackage(cacheRoot: string, version: string, p: Platform) {
  const dir = join(cacheRoot, `${p.os}_${p.arch}`);
  const binaryName = `${PROVIDER_PROJECT}_v${version}${p.os === 'windows' ? '.exe' : ''}`;
  const zipPath = join(dir, `${PROVIDER_PROJECT}_${version}_${p.os}_${p.arch}.zip`);
  const h1Path = `${zipPath}.h1`;
  if ((await exists(zipPath)) && (await exists(h1Path))) {
    return { binaryName, zipPath, h1: (await readFile(h1Path, 'utf8')).trim() };
  }
  await mkdir(dir, { recursive: true });
  // Build in a private temp dir and rename into place, so concurrent test processes never see
  // half-written files (the zip is renamed last: its presence means the entry is complete).
  const tmp = await mkdtemp(join(dir, '.tmp-'));
  try {
    const binaryPath = join(tmp, binaryName);
    try {
      await run('go', ['build', '-trimpath', '-buildvcs=false', '-ldflags', `-s -w -X main.version=${version}`, '-o', binaryPath, '.'], {
        cwd: PROVIDER_SOURCE_DIR,
        env: goEnv({ GOOS: p.os, GOARCH: p.arch, CGO_ENABLED: '0' }),
        maxBuffer: 16 << 20,
        timeout: 15 * 60_000,
      });
    } catch (err) {
      const e = err as { stderr?: string; message: string };
      throw new Error(`go build of the test provider for ${p.os}_${p.arch} failed: ${e.stderr || e.message}`);
    }
    await utimes(binaryPath, FIXED_MTIME_MS / 1000, FIXED_MTIME_MS / 1000);
    const h1 = h1Hash([[binaryName, await readFile(binaryPath)]]);
    const zipTmp = join(tmp, 'package.zip');
    try {
      // -X: no uid/gid/extended-time fields; -D: no directory entries; TZ=UTC: DOS times are local.
      await run('zip', ['-q', '-X', '-D', zipTmp, binaryName], { cwd: tmp, env: { ...process.env, TZ: 'UTC' } });
    } catch (err) {
      throw new Error(`zip of ${binaryName} failed (is zip(1) installed?): ${(err as Error).message}`);
    }
    await writeFile(join(tmp, 'h1'), `${h1}\n`);
    await rename(join(tmp, 'h1'), h1Path);
    await rename(zipTmp, zipPath);
    return { binaryName, zipPath, h1 };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/** Lowercase hex sha256 of a file, streamed. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
