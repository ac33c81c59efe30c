// `tf-oci-registry check`: the self-test of a configured store an operator runs before going live
// (docs/operations.md#check). It writes in a scratch repository of its own (never a provider or module
// repository), checks each capability the server relies on, one result per check, and removes what it
// wrote. Works on any OciStore (a registry or the embedded image layout); the registry-only checks use
// raw requests (src/oci/remote/probe.ts).
import { Readable } from 'node:stream';
import { isOciError } from '../oci/errors.js';
import type { OciStore } from '../oci/store.js';
import { MEDIA_TYPE_IMAGE_INDEX, MEDIA_TYPE_IMAGE_MANIFEST, type Digest } from '../oci/types.js';
import { checkAuth, checkPagination, checkReferrersApi, checkTagDelete } from './registry-checks.js';
import { describeError, fail, isUnsupported, ok, skip, warn } from './results.js';
import { CHECK_ANNOTATION, CHECK_ARTIFACT_TYPE, makeScratch, type Scratch } from './scratch.js';
import type { CheckResult, StoreCheckDeps, StoreCheckReport } from './types.js';

/** Every check, in the order they run (docs/operations.md#check). */
export const CHECK_NAMES = [
  'reachable',
  'auth',
  'write',
  'image-index',
  'annotations',
  'referrers',
  'tag-pagination',
  'blob-read',
  'blob-redirect',
  'tag-delete',
  'delete',
  'cleanup',
] as const;

const DELETE_HINT =
  'enable deletes on the registry (Distribution: storage.delete.enabled: true, or REGISTRY_STORAGE_DELETE_ENABLED=true; Harbor/GHCR: a credential with delete permission): without them versions cannot be deleted';

export async function runStoreCheck(deps: StoreCheckDeps, opts: { hasCredential?: boolean } = {}): Promise<StoreCheckReport> {
  const { store, probe, repository } = deps;
  const results: CheckResult[] = [];
  const add = (r: CheckResult): void => void results.push(r);
  const finish = (): StoreCheckReport => {
    const done = new Set(results.map((r) => r.name));
    for (const name of CHECK_NAMES) if (!done.has(name)) add(skip(name, 'not run: an earlier check failed'));
    results.sort((a, b) => CHECK_NAMES.indexOf(a.name as never) - CHECK_NAMES.indexOf(b.name as never));
    return { store: store.describe, repository, results, ok: results.every((r) => r.status !== 'fail') };
  };

  try {
    await store.ping();
    add(ok('reachable', `${store.describe} answers`));
  } catch (err) {
    add(fail('reachable', `${store.describe}: ${describeError(err)}`, reachHint(store)));
    return finish();
  }

  if (probe) {
    const auth = await checkAuth(probe, repository, opts.hasCredential ?? false).catch((err: unknown) =>
      fail('auth', describeError(err), 'check storage.url and that the registry answers GET /v2/'),
    );
    add(auth);
    if (auth.status === 'fail') return finish();
  } else {
    add(skip('auth', 'image-layout directory: file permissions only'));
  }

  const s = makeScratch();
  const pushed = { manifests: [] as Digest[], blobs: [] as Digest[] };
  try {
    await writeChecks(deps, s, pushed, add);
  } finally {
    add(await cleanup(deps, pushed));
  }
  return finish();
}

function reachHint(store: OciStore): string {
  return store.describe.startsWith('oci-layout:')
    ? 'check storage.path: the directory must be readable and writable by the server'
    : 'check storage.url, the network path and TLS trust (NODE_EXTRA_CA_CERTS for a private CA)';
}

type Add = (r: CheckResult) => void;

async function writeChecks(deps: StoreCheckDeps, s: Scratch, pushed: { manifests: Digest[]; blobs: Digest[] }, add: Add): Promise<void> {
  const { store, probe, repository } = deps;
  try {
    pushed.blobs.push((await store.pushBlob(repository, s.config)).digest);
    pushed.blobs.push((await store.pushBlob(repository, Readable.from([s.layer]), { size: s.layer.length })).digest);
    add(ok('write', `blobs pushed to ${repository}`));
  } catch (err) {
    add(
      fail(
        'write',
        `pushing a blob to ${repository}: ${describeError(err)}`,
        'the credential needs push (write) permission on the repositories under storage.prefix',
      ),
    );
    return;
  }

  const tag = `check-${s.run}`;
  try {
    await store.pushManifest(repository, s.manifest.descriptor.digest, s.manifest.bytes, MEDIA_TYPE_IMAGE_MANIFEST);
    pushed.manifests.push(s.manifest.descriptor.digest);
    await store.pushManifest(repository, tag, s.index.bytes, MEDIA_TYPE_IMAGE_INDEX);
    pushed.manifests.unshift(s.index.descriptor.digest);
    const back = await store.fetchManifest(repository, tag);
    if (!back.bytes.equals(s.index.bytes)) {
      add(
        fail(
          'image-index',
          'the image index read back differs from the bytes pushed',
          'the registry rewrites manifests; use a registry that stores OCI manifests byte for byte',
        ),
      );
      return;
    }
    const parsed = JSON.parse(back.bytes.toString('utf8')) as { artifactType?: string };
    if (back.descriptor.mediaType !== MEDIA_TYPE_IMAGE_INDEX || parsed.artifactType !== CHECK_ARTIFACT_TYPE) {
      add(
        fail('image-index', `read back as ${back.descriptor.mediaType}`, 'the registry must serve OCI image indexes with their media type'),
      );
      return;
    }
    add(ok('image-index', 'an OCI image index and image manifest with artifactType are stored and read back byte for byte'));
  } catch (err) {
    add(
      fail(
        'image-index',
        `pushing an OCI image index with artifactType: ${describeError(err)}`,
        'the registry must accept OCI image-spec 1.1 indexes and manifests with artifactType (Distribution >= 2.8, Harbor >= 2.8, GHCR, ECR, zot)',
      ),
    );
    return;
  }

  add(await annotationsCheck(store, repository, s));

  try {
    await store.pushManifest(repository, s.referrer.descriptor.digest, s.referrer.bytes, MEDIA_TYPE_IMAGE_MANIFEST);
    pushed.manifests.unshift(s.referrer.descriptor.digest);
    const back = await store.fetchManifest(repository, s.referrer.descriptor.digest);
    const subject = (JSON.parse(back.bytes.toString('utf8')) as { subject?: { digest?: string } }).subject?.digest;
    if (subject !== s.manifest.descriptor.digest) {
      add(
        warn(
          'referrers',
          'the subject of a manifest was lost',
          'not used by tf-oci-registry; signatures attached with cosign/notation would be',
        ),
      );
    } else if (probe) {
      add(await checkReferrersApi(probe, repository, s.manifest.descriptor.digest, s.referrer.descriptor.digest));
    } else {
      add(ok('referrers', 'manifests with a subject are kept'));
    }
  } catch (err) {
    add(
      warn(
        'referrers',
        `a manifest with a subject was refused: ${describeError(err)}`,
        'not used by tf-oci-registry; signatures attached with cosign/notation would be refused',
      ),
    );
  }

  const pageTags = [0, 1, 2].map((i) => `${tag}-p${i}`);
  try {
    for (const t of pageTags) await store.pushManifest(repository, t, s.index.bytes, MEDIA_TYPE_IMAGE_INDEX);
    const all = await store.listTags(repository);
    const missing = [tag, ...pageTags].filter((t) => !all.includes(t));
    if (missing.length > 0) {
      add(
        fail(
          'tag-pagination',
          `the tag list lacks ${missing.join(', ')}`,
          'the registry must list every tag (distribution-spec "Listing tags")',
        ),
      );
    } else if (probe) {
      add(
        await checkPagination(probe, repository, [tag, ...pageTags]).catch((err: unknown) =>
          warn('tag-pagination', describeError(err), 'report it to the registry vendor'),
        ),
      );
    } else {
      add(ok('tag-pagination', `${all.length} tags listed (image-layout directory: no pages)`));
    }
  } catch (err) {
    add(fail('tag-pagination', `tagging or listing tags: ${describeError(err)}`, 'the credential needs push; the registry must list tags'));
  }

  add(await blobReadCheck(store, repository, s));
  try {
    const where = await store.blobRedirect(repository, s.layerDescriptor.digest);
    add(
      where
        ? ok(
            'blob-redirect',
            `blob GETs redirect to ${new URL(where.location).origin} (server.download_mode = "redirect" sends clients there; they must reach it)`,
          )
        : ok(
            'blob-redirect',
            'blob GETs are served by the registry itself (no redirect; server.download_mode = "redirect" falls back to proxying)',
          ),
    );
  } catch (err) {
    add(warn('blob-redirect', describeError(err), 'check that the registry serves blob GETs'));
  }

  if (probe)
    add(
      await checkTagDelete(probe, repository, pageTags[0]!).catch((err: unknown) =>
        ok('tag-delete', `not supported: ${describeError(err)}`),
      ),
    );
  else add(skip('tag-delete', 'image-layout directory: tags go with their manifest'));

  try {
    await store.deleteManifest(repository, s.index.descriptor.digest);
    pushed.manifests = pushed.manifests.filter((d) => d !== s.index.descriptor.digest);
    const gone = await store.resolveManifest(repository, tag).then(
      () => false,
      (err: unknown) => isOciError(err, 'NOT_FOUND'),
    );
    add(
      gone
        ? ok('delete', 'a manifest deleted by digest is gone with its tags')
        : warn(
            'delete',
            'the tag still resolves after its manifest was deleted',
            'the registry keeps (or caches) tags of deleted manifests: tf-oci-registry deletes the tag first when "tag-delete" says a tag can be deleted alone (crane\'s registry, docs/registries.md); otherwise deleted versions stay visible until their tags are gone',
          ),
    );
  } catch (err) {
    add(
      fail(
        'delete',
        `deleting a manifest: ${describeError(err)}`,
        isUnsupported(err) ? DELETE_HINT : `${DELETE_HINT}; the error above says more`,
      ),
    );
  }
}

async function annotationsCheck(store: OciStore, repository: string, s: Scratch): Promise<CheckResult> {
  try {
    const m = await store.fetchManifest(repository, s.manifest.descriptor.digest);
    const manifest = JSON.parse(m.bytes.toString('utf8')) as {
      annotations?: Record<string, string>;
      layers?: { annotations?: Record<string, string> }[];
    };
    const index = JSON.parse((await store.fetchManifest(repository, s.index.descriptor.digest)).bytes.toString('utf8')) as {
      annotations?: Record<string, string>;
      manifests?: { annotations?: Record<string, string> }[];
    };
    const found = [
      manifest.annotations?.[CHECK_ANNOTATION] === `manifest ${s.run}`,
      manifest.layers?.[0]?.annotations?.[CHECK_ANNOTATION] === `layer ${s.run}`,
      index.annotations?.[CHECK_ANNOTATION] === `index ${s.run}`,
      index.manifests?.[0]?.annotations?.[CHECK_ANNOTATION] === `entry ${s.run}`,
    ];
    return found.every(Boolean)
      ? ok('annotations', 'annotations of manifests, layers and index entries survive')
      : fail(
          'annotations',
          'annotations were dropped',
          'tf-oci-registry keeps file names and hashes in annotations; use a registry that stores manifests byte for byte',
        );
  } catch (err) {
    return fail('annotations', describeError(err), 'manifests must be readable by digest');
  }
}

async function blobReadCheck(store: OciStore, repository: string, s: Scratch): Promise<CheckResult> {
  try {
    const blob = await store.fetchBlob(repository, s.layerDescriptor.digest);
    const chunks: Buffer[] = [];
    for await (const c of blob.body as AsyncIterable<Buffer>) chunks.push(c);
    return Buffer.concat(chunks).equals(s.layer)
      ? ok('blob-read', `a ${s.layer.length}-byte blob reads back byte for byte`)
      : fail('blob-read', 'the blob read back differs', 'the registry or a proxy in front of it alters blobs');
  } catch (err) {
    return fail('blob-read', describeError(err), 'the credential needs pull; a proxy in front of the registry must pass blob GETs');
  }
}

/** Deletes what the checks left (manifests, then blobs), then the repository itself where possible. */
async function cleanup(deps: StoreCheckDeps, pushed: { manifests: Digest[]; blobs: Digest[] }): Promise<CheckResult> {
  const { store, repository } = deps;
  const left: string[] = [];
  for (const d of pushed.manifests) {
    await store.deleteManifest(repository, d).catch((err: unknown) => {
      if (!isOciError(err, 'NOT_FOUND')) left.push(`manifest ${d}`);
    });
  }
  for (const d of pushed.blobs) {
    await store.deleteBlob(repository, d).catch((err: unknown) => {
      if (!isOciError(err, 'NOT_FOUND') && !isUnsupported(err)) left.push(`blob ${d}`);
    });
  }
  if (deps.removeRepository) {
    await deps.removeRepository(repository).catch((err: unknown) => left.push(`directory (${describeError(err)})`));
  }
  if (left.length > 0) {
    return warn(
      'cleanup',
      `left in ${repository}: ${left.length} item(s) (${left[0]}${left.length > 1 ? ', ...' : ''})`,
      `remove the scratch repository ${repository} by hand, then run the registry's garbage collection`,
    );
  }
  return ok(
    'cleanup',
    deps.removeRepository
      ? `scratch repository ${repository} removed`
      : `scratch content of ${repository} deleted (the registry's garbage collection reclaims the bytes)`,
  );
}
