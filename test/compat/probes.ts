// Probes of one OCI registry's behaviour where implementations differ (docs/registries.md): each probe
// talks plain HTTP to the registry (not through tf-oci-registry's client) and reports what it saw, so
// test/compat/registry-differences.test.ts can pin the table of docs/registries.md per implementation.
// Reference: https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md
import { createHash } from 'node:crypto';
import { request } from 'undici';

export interface RegistryFacts {
  /** GET /v2/_catalog answers 200 with the repositories. */
  catalog: boolean;
  /** GET /v2/<name>/referrers/<digest>: 200 (API present) or the status it answers instead. */
  referrers: number;
  /** tags/list?n=2 of 3 tags: how many came back and whether a Link header points further. */
  tagPage: { count: number; link: boolean };
  /** tags/list is in lexical order. */
  tagsSorted: boolean;
  /** DELETE /v2/<name>/manifests/<tag>: the status. */
  deleteTag: number;
  /** After DELETE by digest, the tags that pointed at it are gone. */
  digestDeleteDropsTags: boolean;
  /** A manifest referencing a blob the registry lacks is refused. */
  refusesDanglingReferences: boolean;
  /** POST …/blobs/uploads/?mount=&from= with a blob of another repository: the status (201 mounted, 202 session). */
  mount: number;
  /** A blob pushed to one repository is readable through another (blobs not scoped to repositories). */
  blobsGlobal: boolean;
  /** artifactType of an image manifest comes back byte-identical. */
  keepsArtifactType: boolean;
  /** GET of a blob answers 200 itself (no redirect to storage). */
  blobServedDirectly: boolean;
}

const MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const sha256 = (b: Buffer | string): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

async function call(method: string, url: string, opts: { body?: Buffer | string; headers?: Record<string, string> } = {}) {
  const res = await request(url, {
    method: method as 'GET',
    headers: opts.headers ?? {},
    body: opts.body ?? null,
    maxRedirections: 0,
  } as never);
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, text };
}

async function pushBlob(base: string, repo: string, bytes: Buffer): Promise<string> {
  const digest = sha256(bytes);
  const start = await call('POST', `${base}/v2/${repo}/blobs/uploads/`);
  const location = new URL(String(start.headers['location']), base);
  location.searchParams.set('digest', digest);
  const put = await call('PUT', location.href, { body: bytes, headers: { 'content-type': 'application/octet-stream' } });
  if (put.status !== 201) throw new Error(`blob push to ${repo}: ${put.status} ${put.text}`);
  return digest;
}

function manifest(config: string, configSize: number, note: string): string {
  return JSON.stringify({
    schemaVersion: 2,
    mediaType: MANIFEST,
    artifactType: 'application/vnd.example.probe',
    config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: config, size: configSize },
    layers: [],
    annotations: { note },
  });
}

async function pushManifest(base: string, repo: string, ref: string, body: string): Promise<number> {
  return (await call('PUT', `${base}/v2/${repo}/manifests/${ref}`, { body, headers: { 'content-type': MANIFEST } })).status;
}

/** Runs every probe against the registry at `base` (plain HTTP, no auth). */
export async function probeRegistry(base: string): Promise<RegistryFacts> {
  const repo = 'probe/one';
  const empty = await pushBlob(base, repo, Buffer.from('{}'));
  const bodies = ['a', 'b', 'c'].map((n) => manifest(empty, 2, n));
  for (const [i, tag] of ['zeta', 'alpha', 'mid'].entries()) await pushManifest(base, repo, tag, bodies[i] as string);

  const catalog = await call('GET', `${base}/v2/_catalog`);
  const referrers = await call('GET', `${base}/v2/${repo}/referrers/${sha256(bodies[0] as string)}`);
  const page = await call('GET', `${base}/v2/${repo}/tags/list?n=2`);
  const all = JSON.parse((await call('GET', `${base}/v2/${repo}/tags/list`)).text) as { tags: string[] };
  const stored = await call('GET', `${base}/v2/${repo}/manifests/zeta`, { headers: { accept: MANIFEST } });

  // Two tags on one manifest: delete one by tag, then the manifest by digest.
  const shared = manifest(empty, 2, 'shared');
  await pushManifest(base, repo, 'one', shared);
  await pushManifest(base, repo, 'two', shared);
  const deleteTag = (await call('DELETE', `${base}/v2/${repo}/manifests/one`)).status;
  await call('DELETE', `${base}/v2/${repo}/manifests/${sha256(shared)}`);
  const two = await call('GET', `${base}/v2/${repo}/manifests/two`, { headers: { accept: MANIFEST } });

  const ghost = sha256('ghost');
  const dangling = await pushManifest(base, repo, 'dangling', manifest(ghost, 5, 'dangling'));

  const blob = Buffer.from(`probe blob ${Date.now()}`);
  const digest = await pushBlob(base, 'probe/source', blob);
  const elsewhere = await call('GET', `${base}/v2/probe/elsewhere/blobs/${digest}`);
  const mount = await call('POST', `${base}/v2/probe/target/blobs/uploads/?mount=${digest}&from=probe/source`);
  const direct = await call('GET', `${base}/v2/probe/source/blobs/${digest}`);

  return {
    catalog: catalog.status === 200 && (JSON.parse(catalog.text) as { repositories: string[] }).repositories.includes(repo),
    referrers: referrers.status,
    tagPage: { count: (JSON.parse(page.text) as { tags: string[] }).tags.length, link: page.headers['link'] !== undefined },
    tagsSorted: JSON.stringify(all.tags) === JSON.stringify([...all.tags].sort()),
    deleteTag,
    digestDeleteDropsTags: two.status === 404,
    refusesDanglingReferences: dangling >= 400,
    mount: mount.status,
    blobsGlobal: elsewhere.status === 200,
    keepsArtifactType: stored.text === bodies[0],
    blobServedDirectly: direct.status === 200 && direct.text === blob.toString(),
  };
}
