// Fast in-process OpenPGP keys for the publish unit tests (openpgp v6 generates an ed25519 key in a few
// ms). The integration tests use real GnuPG keys (test/support/gpg.ts) instead.
import * as openpgp from 'openpgp';

export interface PgpKey {
  armoredPublic: string;
  fingerprint: string;
  keyId: string;
  /** Binary detached signature over `data`. */
  sign(data: Buffer, opts?: { armor?: boolean }): Promise<Buffer>;
}

export async function generatePgpKey(opts: { name?: string; expiresInSeconds?: number; createdAt?: Date } = {}): Promise<PgpKey> {
  const { privateKey, publicKey } = await openpgp.generateKey({
    type: 'ecc',
    curve: 'ed25519Legacy',
    userIDs: [{ name: opts.name ?? 'Publisher', email: 'publisher@example.test' }],
    format: 'object',
    ...(opts.expiresInSeconds !== undefined ? { keyExpirationTime: opts.expiresInSeconds } : {}),
    ...(opts.createdAt ? { date: opts.createdAt } : {}),
  });
  const fingerprint = publicKey.getFingerprint().toUpperCase();
  return {
    armoredPublic: publicKey.armor(),
    fingerprint,
    keyId: publicKey.getKeyID().toHex().toUpperCase(),
    async sign(data, o = {}) {
      const message = await openpgp.createMessage({ binary: data });
      const date = opts.createdAt ? new Date(opts.createdAt.getTime() + 1000) : new Date();
      if (o.armor) {
        return Buffer.from(await openpgp.sign({ message, signingKeys: privateKey, detached: true, format: 'armored', date }));
      }
      return Buffer.from(await openpgp.sign({ message, signingKeys: privateKey, detached: true, format: 'binary', date }));
    },
  };
}
