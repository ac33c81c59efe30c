// Sealed, expiring tokens for download URLs. Terraform sends no credentials to download_url,
// shasums_url or the signature URL (docs/design/protocols.md §4.4), so those URLs carry their own authority:
// a JSON payload encrypted and authenticated with AES-256-GCM under a key derived (HKDF-SHA256) from the
// configured secret. The first secret seals; every secret opens (rotation). Encryption (not only a MAC)
// keeps repository names and any delegated credential out of URLs and logs.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

const VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;

export type OpenResult<T> = { ok: true; payload: T } | { ok: false; reason: 'invalid' | 'expired' };

export interface SealedTokens {
  /** Seals `payload`, valid for `ttlSeconds` from now. Returns a URL-safe string. */
  seal(payload: object, ttlSeconds: number): string;
  /** Opens a token: the payload, or why it is refused (tampered/unknown key vs expired). */
  open<T>(token: string): OpenResult<T>;
}

/** HKDF info: the purpose, plus the context that keeps one mirror service's tokens out of another's. */
function deriveKey(secret: string, context: string): Buffer {
  const info = `tf-oci-registry download token v1${context ? `|${context}` : ''}`;
  return Buffer.from(hkdfSync('sha256', Buffer.from(secret, 'utf8'), Buffer.alloc(0), Buffer.from(info), 32));
}

/**
 * Creates the sealer from the configured secrets (first seals, all open) and a clock in ms. `context`
 * separates key domains: a token sealed under one context never opens under another (each additional
 * mirror service seals with its own, so its URLs name only its own store's blobs).
 */
export function createSealedTokens(secrets: readonly string[], now: () => number = Date.now, context = ''): SealedTokens {
  if (secrets.length === 0) throw new Error('at least one secret is required');
  const keys = secrets.map((s) => deriveKey(s, context));
  return {
    seal(payload, ttlSeconds) {
      const exp = Math.floor(now() / 1000) + ttlSeconds;
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', keys[0]!, iv);
      cipher.setAAD(Buffer.from([VERSION]));
      const body = Buffer.concat([cipher.update(JSON.stringify({ exp, p: payload }), 'utf8'), cipher.final()]);
      return Buffer.concat([Buffer.from([VERSION]), iv, body, cipher.getAuthTag()]).toString('base64url');
    },
    open<T>(token: string): OpenResult<T> {
      if (!/^[A-Za-z0-9_-]+$/.test(token)) return { ok: false, reason: 'invalid' };
      const raw = Buffer.from(token, 'base64url');
      if (raw.length < 1 + IV_BYTES + TAG_BYTES + 2 || raw[0] !== VERSION) return { ok: false, reason: 'invalid' };
      const iv = raw.subarray(1, 1 + IV_BYTES);
      const tag = raw.subarray(raw.length - TAG_BYTES);
      const body = raw.subarray(1 + IV_BYTES, raw.length - TAG_BYTES);
      for (const key of keys) {
        try {
          const decipher = createDecipheriv('aes-256-gcm', key, iv);
          decipher.setAAD(Buffer.from([VERSION]));
          decipher.setAuthTag(tag);
          const text = Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
          const parsed = JSON.parse(text) as { exp: number; p: T };
          if (typeof parsed.exp !== 'number' || parsed.exp * 1000 <= now()) return { ok: false, reason: 'expired' };
          return { ok: true, payload: parsed.p };
        } catch {
          // wrong key or tampered: try the next secret
        }
      }
      return { ok: false, reason: 'invalid' };
    },
  };
}
