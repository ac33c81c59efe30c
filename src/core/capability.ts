// Capabilities: sealed, expiring tokens that carry their own authority (core/sealed-token.ts), for the
// URLs terraform and upload clients call without credentials: download tickets and single-use upload
// URLs. Each names its kind, so one kind is never accepted as another (an upload token used as a download
// ticket is a 403, not a crash), and carries the principal and the credential of whoever it was issued to
// (delegated auth: the caller's own credential is used upstream). Opening one refuses with 403 URL_EXPIRED
// or URL_INVALID and a message naming what to do.
import { AppError } from './app-error.js';
import type { Caller } from './caller.js';
import type { SealedTokens } from './sealed-token.js';

export type CapabilityKind = 'download' | 'upload' | 'pull';

/** What every capability holds besides its own fields (short keys: they travel in URLs). */
interface Envelope {
  /** Kind. */
  k: CapabilityKind;
  /** Principal it was issued to. */
  p: string;
  /** Credential to use upstream, when the caller brought one. */
  c?: Caller['credential'];
  /** The caller's label (usage reports: who downloaded). */
  l?: string;
}

/** Seals `fields` as a capability of `kind` for `caller`, valid `ttlSeconds`. */
export function sealCapability(tokens: SealedTokens, kind: CapabilityKind, caller: Caller, fields: object, ttlSeconds: number): string {
  const envelope: Envelope = {
    k: kind,
    p: caller.principal,
    ...(caller.credential ? { c: caller.credential } : {}),
    ...(caller.label !== undefined ? { l: caller.label } : {}),
  };
  return tokens.seal({ ...fields, ...envelope }, ttlSeconds);
}

/** Messages of a refused capability: what the URL is, and how to get a fresh one. */
export interface CapabilityWords {
  /** "download URL", "upload URL". */
  what: string;
  /** "ask the registry for a new one". */
  renew: string;
}

/** Opens a capability of `kind`: its fields and the caller it acts as, or 403 naming why not. */
export function openCapability<T>(
  tokens: SealedTokens,
  kind: CapabilityKind,
  token: string,
  words: CapabilityWords,
  signal?: AbortSignal,
): { fields: T; caller: Caller } {
  const r = tokens.open<T & Envelope>(token);
  if (!r.ok) {
    throw r.reason === 'expired'
      ? new AppError('URL_EXPIRED', `this ${words.what} has expired; ${words.renew}`)
      : new AppError('URL_INVALID', `this ${words.what} is not valid (tampered, or signed with an unknown key)`);
  }
  const p = r.payload;
  if (p.k !== kind || typeof p.p !== 'string')
    throw new AppError('URL_INVALID', `this URL is not ${/^[aeiou]/i.test(words.what) ? 'an' : 'a'} ${words.what}`);
  return {
    fields: p,
    caller: {
      principal: p.p,
      ...(p.c ? { credential: p.c } : {}),
      ...(typeof p.l === 'string' ? { label: p.l } : {}),
      ...(signal ? { signal } : {}),
    },
  };
}
