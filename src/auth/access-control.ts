// Access control (docs/auth.md): who is calling (identify) and what they may do (admit, over the permission
// table of route-table.ts). Three modes:
//   delegate - the server holds no user database: each caller's token becomes their registry credential
//              (delegated-credential.ts) and the REGISTRY decides (pull/push/delete); a caller without a
//              token is anonymous upstream, never the service credential;
//   service  - the server holds the registry credential and checks its own API tokens (api-tokens.ts)
//              against the permission table; anonymous callers get read only with anonymous_read;
//   none     - no checks at all (the default with a local layout store, for development).
// `admit` is the ONE access decision: it names the Caller the use cases act as and refuses what the table
// does not allow; the request-context middleware (src/http/request-context.ts) and the hot lane
// (src/http/hot-lane.ts) both call it. `identify` is memoized per Authorization value (kept in memory
// only, never logged).
import type { IncomingMessage } from 'node:http';
import { AppError } from '../core/app-error.js';
import type { Admit } from '../core/admission.js';
import type { Caller } from '../core/caller.js';
import { findToken, type ApiTokenEntry } from './api-tokens.js';
import { delegatedCredential, delegatedPrincipal, readAuthorization, type DelegateOptions } from './delegated-credential.js';
import { ANONYMOUS_READ, type Permission } from './permissions.js';
import { compileRouteTable, permissionTable, type RouteRule } from './route-table.js';
import { BoundedMap } from '../core/bounded-map.js';

export type AuthMode = 'delegate' | 'service' | 'none';

export interface AccessControlOptions {
  mode: AuthMode;
  /** Service mode: the API tokens. */
  tokens: readonly ApiTokenEntry[];
  /** Service mode: anonymous callers get providers:read and modules:read. */
  anonymousRead: boolean;
  /** Delegate mode: how a presented token becomes the registry credential. */
  delegate: DelegateOptions;
  /** The network mirror base path, for the permission table. */
  mirrorBasePath: string;
  /** Base paths of the additional mirror services ([[mirror.service]]). */
  servicePaths?: readonly string[];
}

/** Who is calling, as far as this server can tell. */
export type Identity =
  | { kind: 'anonymous' }
  | { kind: 'invalid'; reason: string }
  | { kind: 'token'; name: string; permissions: ReadonlySet<Permission> }
  | { kind: 'delegated' }
  | { kind: 'unchecked' };

export interface AccessControl {
  readonly mode: AuthMode;
  readonly table: readonly RouteRule[];
  /** Who sent `req`; `incoming` (under @hono/node-server) lets the header be read without web Headers. */
  identify(req: Request, incoming?: IncomingMessage): { identity: Identity; caller: Caller };
  /** The one access decision per request (the request-context middleware and the hot lane call it). */
  admit: Admit;
}

/** RFC 6750 challenge; terraform only needs the scheme, the realm names this server. */
export const REALM_CHALLENGE = 'Bearer realm="tf-oci-registry"';

const SERVICE: Caller = { principal: 'service' };
const ANONYMOUS_UPSTREAM: Caller = { principal: 'anonymous', credential: {} };

/** Who is calling and as whom the use cases act. */
type Identified = { identity: Identity; caller: Caller };

export function createAccessControl(opts: AccessControlOptions): AccessControl {
  const table = permissionTable(opts.mirrorBasePath, opts.servicePaths);
  const ruleFor = compileRouteTable(table);
  const anonymous: ReadonlySet<Permission> = new Set(opts.anonymousRead ? ANONYMOUS_READ : []);

  /** What an Authorization header value identifies: a pure function of the value and the configuration. */
  function resolve(header: string | null | undefined): Identified {
    const presented = readAuthorization(header);
    if (opts.mode === 'service') {
      if (presented.scheme === 'none') return { identity: { kind: 'anonymous' }, caller: SERVICE };
      if (presented.scheme !== 'bearer') {
        return {
          identity: { kind: 'invalid', reason: presented.scheme === 'invalid' ? presented.reason : 'use a Bearer token' },
          caller: SERVICE,
        };
      }
      const entry = findToken(opts.tokens, presented.token);
      if (!entry) return { identity: { kind: 'invalid', reason: 'unknown API token' }, caller: SERVICE };
      // The store's own identity, labelled with the token (usage reports; memoized per header value).
      return {
        identity: { kind: 'token', name: entry.name, permissions: entry.permissions },
        caller: { ...SERVICE, label: `token:${entry.name}` },
      };
    }
    // delegate
    if (presented.scheme === 'none') return { identity: { kind: 'anonymous' }, caller: ANONYMOUS_UPSTREAM };
    const credential = presented.scheme === 'invalid' ? undefined : delegatedCredential(presented, opts.delegate);
    if (!credential) {
      const reason = presented.scheme === 'invalid' ? presented.reason : 'Basic credentials are disabled (auth.delegate_userpass = false)';
      return { identity: { kind: 'invalid', reason }, caller: ANONYMOUS_UPSTREAM };
    }
    return { identity: { kind: 'delegated' }, caller: { principal: delegatedPrincipal(credential), credential } };
  }

  // identify() runs on every request (through admit). Being pure, it is memoized by header
  // value (bounded): a returning caller costs one Map lookup instead of parsing and hashing its
  // credential, and callers without an Authorization header share one constant answer. Answers are shared:
  // never mutate them.
  const unchecked: Identified = { identity: { kind: 'unchecked' }, caller: SERVICE };
  const nobody = opts.mode === 'none' ? unchecked : resolve(undefined);
  const byHeader = new BoundedMap<string, Identified>(1024);

  /** The memoized answer for an Authorization header value (absent or empty: anonymous). */
  function identifyHeader(header: string | null | undefined): Identified {
    if (opts.mode === 'none') return unchecked;
    if (header === undefined || header === null || header === '') return nobody;
    let r = byHeader.get(header);
    if (r === undefined) {
      r = resolve(header);
      byHeader.set(header, r);
    }
    return r;
  }

  function identify(req: Request, incoming?: IncomingMessage): Identified {
    return identifyHeader(incoming ? incoming.headers.authorization : req.headers.get('authorization'));
  }

  const admit: Admit = (method, path, authorization) => {
    const { identity, caller } = identifyHeader(authorization);
    if (opts.mode === 'none') return { caller };
    const rule = ruleFor(method, path);
    if (rule?.access === 'open') return { caller };
    if (identity.kind === 'invalid') {
      throw new AppError('UNAUTHORIZED', `authentication failed: ${identity.reason}`, {
        headers: { 'WWW-Authenticate': `${REALM_CHALLENGE}, error="invalid_token"` },
      });
    }
    if (!rule) {
      if (opts.mode === 'service' && identity.kind === 'anonymous') throw unauthorized();
      throw new AppError('FORBIDDEN', `${method} ${path} is not covered by the permission table`);
    }
    // Delegated: the registry decides, with the caller's own credential.
    if (opts.mode === 'delegate') return { caller };
    const granted = identity.kind === 'token' ? identity.permissions : anonymous;
    if (granted.has(rule.access)) return identity.kind === 'token' ? { caller, apiToken: identity.name } : { caller };
    if (identity.kind !== 'token') throw unauthorized();
    throw new AppError('FORBIDDEN', `API token "${identity.name}" lacks the permission ${rule.access}`, {
      headers: { 'WWW-Authenticate': `${REALM_CHALLENGE}, error="insufficient_scope", scope="${rule.access}"` },
    });
  };

  return { mode: opts.mode, table, identify, admit };
}

function unauthorized(): AppError {
  return new AppError('UNAUTHORIZED', 'authentication required: send an API token (Authorization: Bearer <token>)', {
    headers: { 'WWW-Authenticate': REALM_CHALLENGE },
  });
}
