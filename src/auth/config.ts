// The [auth] configuration, checked as a whole (called by src/config/load.ts, which turns the Errors
// thrown here into ConfigErrors). Decisions (docs/auth.md):
//  - mode defaults to "delegate" for a registry store and "none" for a layout store;
//  - "delegate" needs a registry: a layout directory has no upstream to decide, so it is an error
//    (use "service" to protect a layout store, or "none");
//  - in delegate mode storage.username/password would never be used for callers (a caller without a
//    token is anonymous upstream), so configuring them is an error rather than a silent surprise;
//  - tokens and anonymous_read only mean something in service mode, where at least one of them is needed.
import { parseTokenEntries, type ApiTokenEntry } from './api-tokens.js';
import type { AuthMode } from './access-control.js';
import type { DelegateOptions, DelegateTokenAs } from './delegated-credential.js';

export interface AuthConfig {
  mode: AuthMode;
  anonymousRead: boolean;
  tokens: ApiTokenEntry[];
  delegate: DelegateOptions;
}

export interface AuthConfigInput {
  mode: AuthMode | undefined;
  anonymousRead: boolean;
  /** Raw token tables, undefined when not configured. */
  tokens: unknown[] | undefined;
  tokenAs: DelegateTokenAs;
  username: string | undefined;
  userPassword: boolean;
  storageKind: 'layout' | 'registry';
  storageHasCredential: boolean;
}

/** Builds and checks the auth configuration. Throws an Error whose message names the keys involved. */
export function buildAuthConfig(i: AuthConfigInput): AuthConfig {
  const mode: AuthMode = i.mode ?? (i.storageKind === 'registry' ? 'delegate' : 'none');
  let tokens: ApiTokenEntry[] = [];
  if (i.tokens !== undefined) {
    try {
      tokens = parseTokenEntries(i.tokens);
    } catch (err) {
      throw new Error(`"auth.tokens": ${(err as Error).message}`);
    }
  }
  if (mode !== 'service') {
    if (i.tokens !== undefined) throw new Error(`"auth.tokens" are only used with auth.mode = "service" (mode is "${mode}")`);
    if (i.anonymousRead) {
      throw new Error(
        `"auth.anonymous_read" is only used with auth.mode = "service"${mode === 'delegate' ? '; in delegate mode the registry decides whether anonymous callers may pull' : ''}`,
      );
    }
  }
  if (mode === 'delegate') {
    if (i.storageKind !== 'registry') {
      throw new Error(
        'auth.mode = "delegate" needs storage.kind = "registry" (a layout directory has no registry to delegate to); use "service" or "none"',
      );
    }
    if (i.storageHasCredential) {
      throw new Error(
        '"storage.username"/"storage.password" are not used with auth.mode = "delegate" (each caller\'s own token is used upstream, and callers without one are anonymous); remove them or set auth.mode = "service"',
      );
    }
    if (i.tokenAs === 'password' && !i.username) {
      throw new Error('"auth.delegate_username" is required when auth.delegate_token_as = "password"');
    }
  }
  if (mode === 'service' && tokens.length === 0 && !i.anonymousRead) {
    throw new Error(
      'auth.mode = "service" needs API tokens (auth.tokens or auth.tokens_file) or auth.anonymous_read = true; otherwise every request is refused',
    );
  }
  return {
    mode,
    anonymousRead: i.anonymousRead,
    tokens,
    delegate: { tokenAs: i.tokenAs, userPassword: i.userPassword, ...(i.username !== undefined ? { username: i.username } : {}) },
  };
}
