// OpenPGP for provider releases (openpgp v6): read a publisher's public key, verify the detached signature
// over SHA256SUMS the way Terraform/OpenTofu do (docs/design/protocols.md §4.3 "signing_keys", docs/design/oci-registries.md §5
// `findSigningKey` and §8), convert armored signatures to the binary form the CLIs download.
import type * as openpgp from 'openpgp';
import { SignatureError, VerifyError } from './errors.js';

/**
 * openpgp, loaded on first use: only publishing and pull-through read keys and check signatures, and the
 * library is the largest of the server's dependencies (about 16 MB of RSS once imported:
 * bench/findings.md, "Start-up and memory at rest"), so a replica that only serves reads never loads it.
 */
const pgp = (): Promise<typeof openpgp> => import('openpgp');

export interface PublicKeyInfo {
  /** Upper-case hex fingerprint of the primary key. */
  fingerprint: string;
  /** Upper-case 16-hex key id of the primary key: the `key_id` of providers.v1. */
  keyId: string;
  /** e.g. "RSA 3072", "EdDSA ed25519". */
  algorithm: string;
  userIds: string[];
  createdAt: Date;
  /** null when the key does not expire. */
  expiresAt: Date | null;
  /** Key ids (primary and/or subkeys, upper-case hex) that can make signatures, ignoring expiry. */
  signingKeyIds: string[];
  /** The armored text as given, line ends normalized to LF (keeps gpg's CRC line, which old readers expect). */
  armored: string;
  /** The primary key and its subkeys, each with its capabilities and state at read time. */
  parts: KeyPart[];
  /**
   * When the last signing-capable (sub)key that is not revoked stops being usable (its own expiry or the
   * primary's, whichever is first); null when one never expires, or when none is usable (see `signingProblem`).
   */
  signingExpiresAt: Date | null;
  /** Why no signing-capable (sub)key is usable right now (all revoked or expired), else null. */
  signingProblem: string | null;
}

export type KeyCapability = 'certify' | 'sign' | 'encrypt' | 'authenticate';

/** One key of a key block: the primary (first) or a subkey. */
export interface KeyPart {
  primary: boolean;
  keyId: string;
  fingerprint: string;
  algorithm: string;
  capabilities: KeyCapability[];
  createdAt: Date;
  /** null: never expires. */
  expiresAt: Date | null;
  revoked: boolean;
  /** At read time. */
  status: 'valid' | 'expired' | 'revoked';
}

/** RFC 9580 §5.2.3.29 key flags: 0x01 certify, 0x02 sign, 0x04/0x08 encrypt, 0x20 authenticate. */
function capabilitiesOf(flags: Uint8Array | null | undefined, primary: boolean): KeyCapability[] {
  if (!flags || flags.length === 0) return primary ? ['certify', 'sign'] : [];
  const f = flags[0] as number;
  const out: KeyCapability[] = [];
  if (f & 0x01) out.push('certify');
  if (f & 0x02) out.push('sign');
  if (f & 0x0c) out.push('encrypt');
  if (f & 0x20) out.push('authenticate');
  return out;
}

const latest = <T extends { created: Date | null }>(sigs: readonly T[]): T | undefined =>
  [...sigs].sort((a, b) => (b.created?.getTime() ?? 0) - (a.created?.getTime() ?? 0))[0];

const asDate = (t: Date | number | null): Date | null => (t instanceof Date ? t : null);

/** State of a (sub)key from openpgp's own checks at `now`: revoked and expired are told apart by its message. */
async function stateAt(check: () => Promise<unknown>): Promise<'valid' | 'expired' | 'revoked'> {
  try {
    await check();
    return 'valid';
  } catch (err) {
    const m = (err as Error).message.toLowerCase();
    return m.includes('revoked') ? 'revoked' : 'expired';
  }
}

async function keyParts(key: openpgp.Key, now: Date): Promise<KeyPart[]> {
  const primaryExpiry = asDate(await key.getExpirationTime());
  const selfSigs = key.users.flatMap((u) => u.selfCertifications);
  const primaryStatus = await stateAt(() => key.verifyPrimaryKey(now));
  const parts: KeyPart[] = [
    {
      primary: true,
      keyId: hex(key.getKeyID()),
      fingerprint: key.getFingerprint().toUpperCase(),
      algorithm: describeAlgorithm(key.getAlgorithmInfo()),
      capabilities: capabilitiesOf(latest(selfSigs)?.keyFlags, true),
      createdAt: key.getCreationTime(),
      expiresAt: primaryExpiry,
      revoked: primaryStatus === 'revoked',
      status: primaryStatus,
    },
  ];
  for (const sub of key.subkeys) {
    const status = primaryStatus !== 'valid' ? primaryStatus : await stateAt(() => sub.verify(now));
    // Revoked is a state of the subkey itself, whatever the date (a revocation applies from its time on).
    const revoked =
      primaryStatus === 'revoked' || status === 'revoked' || (await stateAt(() => sub.verify(sub.getCreationTime()))) === 'revoked';
    parts.push({
      primary: false,
      keyId: hex(sub.getKeyID()),
      fingerprint: sub.getFingerprint().toUpperCase(),
      algorithm: describeAlgorithm(sub.getAlgorithmInfo()),
      capabilities: capabilitiesOf(latest(sub.bindingSignatures)?.keyFlags, false),
      createdAt: sub.getCreationTime(),
      expiresAt: asDate(await sub.getExpirationTime().catch(() => null)),
      revoked,
      status: revoked ? 'revoked' : status,
    });
  }
  return parts;
}

/** When signing stops being possible, and why it is not possible now (null: it is). */
function signingState(parts: readonly KeyPart[], now: Date): { until: Date | null; problem: string | null } {
  const primary = parts[0]!;
  const signers = parts.filter((p) => p.capabilities.includes('sign'));
  if (signers.length === 0) return { until: null, problem: `key ${primary.keyId} has no signing-capable key or subkey` };
  const live = signers.filter((p) => !p.revoked);
  const ends = live.map((p) => {
    const own = p.expiresAt?.getTime() ?? Number.POSITIVE_INFINITY;
    const main = primary.expiresAt?.getTime() ?? Number.POSITIVE_INFINITY;
    return Math.min(own, main);
  });
  const last = Math.max(Number.NEGATIVE_INFINITY, ...ends);
  const names = signers.map((p) => `${p.primary ? 'primary key' : 'subkey'} ${p.keyId}`).join(', ');
  if (live.length === 0)
    return {
      until: null,
      problem: `key ${primary.keyId} cannot sign: its signing ${signers.length === 1 ? 'key is' : 'keys are'} revoked (${names})`,
    };
  if (last <= now.getTime()) {
    return {
      until: new Date(last),
      problem: `key ${primary.keyId} cannot sign: its signing ${live.length === 1 ? 'key' : 'keys'} expired on ${new Date(last).toISOString().slice(0, 10)} (${names}); extend the expiry (gpg --quick-set-expire) and export it again`,
    };
  }
  return { until: last === Number.POSITIVE_INFINITY ? null : new Date(last), problem: null };
}

const PUBLIC_BEGIN = '-----BEGIN PGP PUBLIC KEY BLOCK-----';
const hex = (id: { toHex(): string }): string => id.toHex().toUpperCase();

function describeAlgorithm(info: openpgp.AlgorithmInfo): string {
  const names: Record<string, string> = {
    rsaEncryptSign: 'RSA',
    rsaSign: 'RSA',
    eddsaLegacy: 'EdDSA',
    ed25519: 'Ed25519',
    ed448: 'Ed448',
    ecdsa: 'ECDSA',
    dsa: 'DSA',
  };
  const name = names[info.algorithm] ?? info.algorithm;
  const curve = info.curve?.replace(/Legacy$/, '');
  return [name, info.bits, name === 'Ed25519' || name === 'Ed448' ? undefined : curve].filter((x) => x !== undefined).join(' ');
}

async function parseOneKey(armored: string): Promise<openpgp.Key> {
  if (armored.includes('PRIVATE KEY BLOCK')) {
    throw new VerifyError('KEY_PRIVATE', 'this is a private key; give the public key only (gpg --armor --export <key id>)');
  }
  const text = armored.trim();
  if (!text.startsWith(PUBLIC_BEGIN)) {
    throw new VerifyError('KEY_MALFORMED', `not an ASCII-armored OpenPGP public key (expected "${PUBLIC_BEGIN}")`);
  }
  if (text.split(PUBLIC_BEGIN).length > 2) throw new VerifyError('KEY_MULTIPLE', 'several armored key blocks; give exactly one key');
  let keys: openpgp.Key[];
  try {
    keys = await (await pgp()).readKeys({ armoredKeys: text });
  } catch (err) {
    throw new VerifyError('KEY_MALFORMED', `the public key could not be read: ${(err as Error).message}`, { cause: err });
  }
  if (keys.length !== 1) throw new VerifyError('KEY_MULTIPLE', `the key block holds ${keys.length} keys; give exactly one key`);
  const key = keys[0] as openpgp.Key;
  if (key.isPrivate()) throw new VerifyError('KEY_PRIVATE', 'this is a private key; give the public key only');
  return key;
}

/**
 * Reads exactly one ASCII-armored public key. VerifyError KEY_MALFORMED for garbage or a key without a
 * valid self-signature, KEY_PRIVATE for private keys, KEY_MULTIPLE for several keys.
 */
export async function readPublicKey(armored: string, now: Date = new Date()): Promise<PublicKeyInfo> {
  const key = await parseOneKey(armored);
  const expiry = await key.getExpirationTime();
  if (expiry === null) throw new VerifyError('KEY_MALFORMED', `key ${hex(key.getKeyID())} has no valid self-signature (or is revoked)`);
  const signingKeyIds: string[] = [];
  for (const k of key.getKeys()) {
    const ok = await key.getSigningKey(k.getKeyID(), null).then(
      () => true,
      () => false,
    );
    if (ok) signingKeyIds.push(hex(k.getKeyID()));
  }
  const parts = await keyParts(key, now);
  const signing = signingState(parts, now);
  return {
    fingerprint: key.getFingerprint().toUpperCase(),
    keyId: hex(key.getKeyID()),
    algorithm: describeAlgorithm(key.getAlgorithmInfo()),
    userIds: key.getUserIDs(),
    createdAt: key.getCreationTime(),
    expiresAt: expiry instanceof Date ? expiry : null,
    signingKeyIds,
    armored: `${armored.replace(/\r\n?/g, '\n').trim()}\n`,
    parts,
    signingExpiresAt: signing.until,
    signingProblem: signing.problem,
  };
}

export interface SignatureCheck {
  /** The key id the signature names as issuer: the primary's or a signing subkey's. */
  signerKeyId: string;
  /** The primary key id of the verifying key (what OpenTofu reports, docs/design/oci-registries.md §5). */
  primaryKeyId: string;
}

/**
 * Verifies a detached signature (binary or armored) over the exact `data` bytes with `armoredKey`, like
 * go-crypto's CheckDetachedSignature: the first signature whose issuer is the key or one of its subkeys
 * decides. The key must have been valid when it signed (expired since then is fine, as for Terraform).
 * Throws SignatureError: UNKNOWN_SIGNER (signed by another key), BAD_SIGNATURE, MALFORMED.
 */
export async function verifyDetachedSignature(data: Buffer, signature: Buffer, armoredKey: string): Promise<SignatureCheck> {
  let key: openpgp.Key;
  try {
    key = await parseOneKey(armoredKey);
  } catch (err) {
    throw new SignatureError('MALFORMED', (err as Error).message, { cause: err });
  }
  let sig: openpgp.Signature;
  try {
    sig = await (await pgp()).readSignature({ binarySignature: toBinarySignature(signature) });
  } catch (err) {
    throw new SignatureError('MALFORMED', `the signature could not be read: ${(err as Error).message}`, { cause: err });
  }
  const issuers = sig.getSigningKeyIDs();
  const index = issuers.findIndex((id) => key.getKeys(id).length > 0);
  if (index === -1) {
    throw new SignatureError(
      'UNKNOWN_SIGNER',
      `the signature was made by ${issuers.map(hex).join(', ') || 'an unnamed key'}, ` + `not by key ${hex(key.getKeyID())} or its subkeys`,
    );
  }
  const signerKeyId = hex(issuers[index] as openpgp.KeyID);
  let verified: Promise<true>;
  try {
    const lib = await pgp();
    const message = await lib.createMessage({ binary: data });
    const { signatures } = await lib.verify({ message, signature: sig, verificationKeys: key, format: 'binary' });
    const result = signatures.find((s) => hex(s.keyID) === signerKeyId);
    if (!result) throw new Error(`the signature by ${signerKeyId} is not a signature over a document`);
    verified = result.verified;
  } catch (err) {
    throw new SignatureError('MALFORMED', (err as Error).message, { cause: err });
  }
  try {
    await verified;
  } catch (err) {
    throw new SignatureError('BAD_SIGNATURE', `the signature by ${signerKeyId} does not verify: ${(err as Error).message}`, { cause: err });
  }
  return { signerKeyId, primaryKeyId: hex(key.getKeyID()) };
}

const SIG_BEGIN = '-----BEGIN PGP SIGNATURE-----';
const SIG_END = '-----END PGP SIGNATURE-----';

function crc24(bytes: Uint8Array): number {
  let crc = 0xb704ce;
  for (const b of bytes) {
    crc ^= b << 16;
    for (let i = 0; i < 8; i++) {
      crc <<= 1;
      if (crc & 0x1000000) crc ^= 0x1864cfb;
    }
  }
  return crc & 0xffffff;
}

/**
 * The binary form of a detached signature: armored input (`gpg --armor`) is decoded (CRC-24 checked when
 * present), binary input is returned as is. Terraform and OpenTofu download the BINARY signature
 * (docs/design/protocols.md §4.3 `shasums_signature_url`). Throws SignatureError MALFORMED otherwise.
 */
export function toBinarySignature(sig: Buffer): Buffer {
  const head = sig.subarray(0, 64).toString('latin1').trimStart();
  if (!head.startsWith('-----')) {
    if (sig.length === 0 || ((sig[0] as number) & 0x80) === 0) {
      throw new SignatureError('MALFORMED', 'neither a binary OpenPGP signature nor an armored one');
    }
    return sig;
  }
  const lines = sig
    .toString('utf8')
    .split(/\r?\n/)
    .map((l) => l.trim());
  const begin = lines.indexOf(SIG_BEGIN);
  const end = lines.indexOf(SIG_END);
  if (begin === -1 || end < begin) throw new SignatureError('MALFORMED', `armored input is not a "${SIG_BEGIN}" block`);
  let i = begin + 1;
  while (i < end && /^[A-Za-z0-9-]+: /.test(lines[i] as string)) i++; // armor headers (Version:, Comment:, ...)
  const body: string[] = [];
  let checksum: string | undefined;
  for (; i < end; i++) {
    const line = lines[i] as string;
    if (line === '') continue;
    if (line.startsWith('=') && line.length === 5) checksum = line.slice(1);
    else if (/^[A-Za-z0-9+/=]+$/.test(line)) body.push(line);
    else throw new SignatureError('MALFORMED', 'armored signature holds a line that is not base64');
  }
  const bytes = Buffer.from(body.join(''), 'base64');
  if (bytes.length === 0) throw new SignatureError('MALFORMED', 'armored signature is empty');
  if (checksum !== undefined && Buffer.from(checksum, 'base64').readUIntBE(0, 3) !== crc24(bytes)) {
    throw new SignatureError('MALFORMED', 'armored signature fails its CRC-24 checksum');
  }
  return bytes;
}

/**
 * A warning for a key that has expired or expires within 30 days, else null. Terraform accepts expired
 * keys; OpenTofu warns and refuses with OPENTOFU_ENFORCE_GPG_EXPIRATION=true (docs/design/protocols.md §4.3).
 */
export function keyExpiryWarning(info: Pick<PublicKeyInfo, 'keyId' | 'expiresAt'>, now: Date = new Date()): string | null {
  if (info.expiresAt === null) return null;
  const day = 24 * 60 * 60 * 1000;
  const when = info.expiresAt.toISOString().slice(0, 10);
  if (info.expiresAt.getTime() <= now.getTime()) {
    return `key ${info.keyId} expired on ${when}: OpenTofu warns about it and refuses it with OPENTOFU_ENFORCE_GPG_EXPIRATION=true`;
  }
  const days = Math.ceil((info.expiresAt.getTime() - now.getTime()) / day);
  return days <= 30 ? `key ${info.keyId} expires on ${when} (in ${days} day${days === 1 ? '' : 's'}): extend it and re-upload` : null;
}
