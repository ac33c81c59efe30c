// The single-use upload URL of a provider version (seed 000 "Scalr returns a one-time upload URL"): a
// sealed, expiring token (signing/sealed-token.ts) naming the version and a random nonce. The nonce is
// also stored in the version record; an upload consumes it (sets it to null) before reading the body,
// so a second PUT with the same URL is refused with 409, an expired one with 403, a forged one with 403.
// Like download tickets, the token carries the creator's principal and credential (delegated auth).
import { randomBytes } from 'node:crypto';
import { AppError } from '../core/app-error.js';
import type { Credential } from '../oci/store.js';
import type { Caller } from '../core/caller.js';
import type { PublishContext } from './context.js';

interface UploadPayload {
  /** Token kind: keeps download tickets and upload tokens apart (they share the sealing key). */
  k: 'upload';
  /** Version resource id. */
  v: string;
  /** Nonce, equal to the record's uploadNonce while unused. */
  n: string;
  /** Principal. */
  p: string;
  c?: Credential;
}

export interface UploadGrant {
  versionId: string;
  nonce: string;
  caller: Caller;
}

export function newNonce(): string {
  return randomBytes(16).toString('base64url');
}

/** The absolute upload URL for `versionId` with `nonce`, valid for deps.uploadTtl seconds. */
export function uploadUrl(ctx: PublishContext, versionId: string, nonce: string, caller: Caller): string {
  const payload: UploadPayload = { k: 'upload', v: versionId, n: nonce, p: caller.principal };
  if (caller.credential) payload.c = caller.credential;
  const token = ctx.deps.tokens.seal(payload, ctx.deps.uploadTtl);
  return new URL(`api/v1/uploads/${token}`, ctx.deps.publicUrl).href;
}

/** Opens an upload token: 403 URL_EXPIRED / URL_INVALID, else who may upload what. */
export function openUploadToken(ctx: PublishContext, token: string, signal?: AbortSignal): UploadGrant {
  const r = ctx.deps.tokens.open<UploadPayload>(token);
  if (!r.ok) {
    throw r.reason === 'expired'
      ? new AppError('URL_EXPIRED', 'this upload URL has expired; ask for a new one with POST /api/v1/provider-versions/<id>/upload-url')
      : new AppError('URL_INVALID', 'this upload URL is not valid (tampered, or signed with an unknown key)');
  }
  const p = r.payload;
  if (p.k !== 'upload' || typeof p.v !== 'string' || typeof p.n !== 'string') {
    throw new AppError('URL_INVALID', 'this URL is not an upload URL');
  }
  return {
    versionId: p.v,
    nonce: p.n,
    caller: { principal: p.p, ...(p.c ? { credential: p.c } : {}), ...(signal ? { signal } : {}) },
  };
}
