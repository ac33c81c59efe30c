// The single-use upload URL of a provider version (docs/design/publishing-baseline.md): a
// sealed, expiring token (core/capability.ts) naming the version and a random nonce. The nonce is
// also stored in the version record; an upload consumes it (sets it to null) before reading the body,
// so a second PUT with the same URL is refused with 409, an expired one with 403, a forged one with 403.
// Like download tickets, the token carries the creator's principal and credential (delegated auth).
import { randomBytes } from 'node:crypto';
import { AppError } from '../core/app-error.js';
import { openCapability, sealCapability } from '../core/capability.js';
import type { Caller } from '../core/caller.js';
import type { PublishContext } from './context.js';

interface UploadPayload {
  /** Version resource id. */
  v: string;
  /** Nonce, equal to the record's uploadNonce while unused. */
  n: string;
}

const UPLOAD_WORDS = { what: 'upload URL', renew: 'ask for a new one with POST /api/v1/provider-versions/<id>/upload-url' };

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
  const fields: UploadPayload = { v: versionId, n: nonce };
  const token = sealCapability(ctx.deps.tokens, 'upload', caller, fields, ctx.deps.uploadTtl);
  return new URL(`api/v1/uploads/${token}`, ctx.deps.publicUrl).href;
}

/** Opens an upload token: 403 URL_EXPIRED / URL_INVALID, else who may upload what. */
export function openUploadToken(ctx: PublishContext, token: string, signal?: AbortSignal): UploadGrant {
  const { fields: p, caller } = openCapability<UploadPayload>(ctx.deps.tokens, 'upload', token, UPLOAD_WORDS, signal);
  if (typeof p.v !== 'string' || typeof p.n !== 'string') throw new AppError('URL_INVALID', 'this URL is not an upload URL');
  return { versionId: p.v, nonce: p.n, caller };
}
