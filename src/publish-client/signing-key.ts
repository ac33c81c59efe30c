// Which registered GPG key a release is published with. With --key FILE: that armored public key, registered
// in the namespace when missing (gpg-<namespace>.<fingerprint>). Without: the namespace's registered key that
// verifies the release's SHA256SUMS.sig (checked here with the same OpenPGP code the server runs), or the
// only key of the namespace (the server then names what is wrong with the signature).
import { readFile } from 'node:fs/promises';
import { isVerifyError } from '../verify/errors.js';
import { readPublicKey, toBinarySignature, verifyDetachedSignature } from '../verify/gpg.js';
import type { ApiClient, ApiDocument } from './api-client.js';
import { ApiError, PublishError } from './api-error.js';
import type { LocalRelease } from './release-directory.js';
import { gpgKeyId } from './resource-ids.js';

export interface ChosenKey {
  id: string;
  /** Expiry warnings the server attached to the key. */
  warnings: string[];
  /** True when this run registered it. */
  registered: boolean;
}

const warningsOf = (doc: ApiDocument): string[] => {
  const w = doc?.meta?.warnings ?? doc?.data?.meta?.warnings;
  return Array.isArray(w) ? w.map(String) : [];
};

/** Registers the armored public key in `keyFile` unless the namespace has it. */
export async function ensureKeyFromFile(client: ApiClient, namespace: string, keyFile: string): Promise<ChosenKey> {
  let armor: string;
  try {
    armor = await readFile(keyFile, 'utf8');
  } catch (err) {
    throw new PublishError(`--key ${keyFile}: ${(err as Error).message}`, true);
  }
  let info: Awaited<ReturnType<typeof readPublicKey>>;
  try {
    info = await readPublicKey(armor);
  } catch (err) {
    if (isVerifyError(err)) throw new PublishError(`--key ${keyFile}: ${err.message}`, true);
    throw err;
  }
  const id = gpgKeyId(namespace, info.fingerprint);
  try {
    const found = await client.find(`gpg-keys/${id}`);
    if (found) return { id, warnings: warningsOf(found), registered: false };
  } catch (err) {
    // A token that may create versions but not read keys: the version's creation will say if the key is missing.
    if (err instanceof ApiError && err.status === 403) return { id, warnings: [], registered: false };
    throw err;
  }
  try {
    const created = await client.post('gpg-keys', {
      data: { type: 'gpg-keys', attributes: { namespace, name: `release key ${info.keyId}`, 'ascii-armor': armor } },
    });
    return { id: String(created.data.id), warnings: warningsOf(created), registered: true };
  } catch (err) {
    // Registered meanwhile by a run in parallel: the key is there.
    if (err instanceof ApiError && err.status === 409 && (await client.find(`gpg-keys/${id}`)))
      return { id, warnings: [], registered: false };
    throw err;
  }
}

/** The namespace's registered key that signed the release (or its only key). */
export async function findRegisteredKey(client: ApiClient, namespace: string, release: LocalRelease): Promise<ChosenKey> {
  const listed = await client.get(`gpg-keys?filter%5Bnamespace%5D=${encodeURIComponent(namespace)}`);
  const keys = (listed.data ?? []) as ApiDocument[];
  if (keys.length === 0) {
    throw new PublishError(
      `namespace ${namespace} has no GPG key registered: pass --key FILE, the armored public key that signs the release ` +
        '(gpg --armor --export KEY_ID > key.asc)',
      true,
    );
  }
  const [shasums, sig] = await Promise.all([readFile(release.shasums.path), readFile(release.signature.path)]);
  for (const k of keys) {
    try {
      await verifyDetachedSignature(shasums, toBinarySignature(sig), String(k.attributes['ascii-armor']));
      return { id: String(k.id), warnings: warningsOf({ meta: k.meta }), registered: false };
    } catch {
      // not this key
    }
  }
  if (keys.length === 1) return { id: String(keys[0].id), warnings: warningsOf({ meta: keys[0].meta }), registered: false };
  throw new PublishError(
    `${release.signature.filename} is not signed by any GPG key registered in namespace ${namespace} ` +
      `(${keys.map((k) => k.id).join(', ')}): pass --key FILE with the public key that signed it`,
    true,
  );
}
