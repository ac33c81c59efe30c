// Web sessions (docs/web.md#sign-in): the session cookie holds the caller's Authorization value (service
// mode: "Bearer <API token>"; delegate mode: the registry credential as "Basic …") SEALED with the server
// secrets (core/sealed-token.ts, AES-256-GCM under its own key domain "web session"), so any replica opens
// it and nothing readable ever holds a password: no server state, no log line. CSRF: every form carries a
// token sealed over the visitor's random CSRF cookie id; a POST is refused unless both are present and match.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createSealedTokens, type SealedTokens } from '../core/sealed-token.js';

export const SESSION_COOKIE = 'tfreg_session';
export const CSRF_COOKIE = 'tfreg_csrf';
/** Lifetime of a session and of a form token, seconds (8 hours: a working day). */
export const SESSION_TTL = 8 * 3600;

/** What a session says: the Authorization value to decide with, and a name to show. */
export interface Session {
  authorization: string;
  /** Shown in the navigation: the token's name or the registry user name. Never the secret. */
  label: string;
}

interface SealedSession {
  a: string;
  l: string;
}

interface SealedCsrf {
  c: string;
}

export interface WebSessions {
  seal(session: Session): string;
  open(cookie: string | undefined): Session | undefined;
  /** A fresh random CSRF cookie id. */
  newCsrfId(): string;
  /** The form token for a CSRF cookie id. */
  formToken(csrfId: string): string;
  /** True when `token` was made by formToken(csrfId) with one of the secrets and has not expired. */
  checkFormToken(csrfId: string | undefined, token: string | undefined): boolean;
}

export function createWebSessions(secrets: readonly string[], now: () => number = Date.now): WebSessions {
  const sessions: SealedTokens = createSealedTokens(secrets, now, 'web session');
  const forms: SealedTokens = createSealedTokens(secrets, now, 'web form');
  return {
    seal: (s) => sessions.seal({ a: s.authorization, l: s.label } satisfies SealedSession, SESSION_TTL),
    open(cookie) {
      if (!cookie) return undefined;
      const r = sessions.open<SealedSession>(cookie);
      if (!r.ok || typeof r.payload.a !== 'string' || typeof r.payload.l !== 'string') return undefined;
      return { authorization: r.payload.a, label: r.payload.l };
    },
    newCsrfId: () => randomBytes(18).toString('base64url'),
    formToken: (csrfId) => forms.seal({ c: csrfId } satisfies SealedCsrf, SESSION_TTL),
    checkFormToken(csrfId, token) {
      if (!csrfId || !token) return false;
      const r = forms.open<SealedCsrf>(token);
      if (!r.ok || typeof r.payload.c !== 'string') return false;
      const a = Buffer.from(r.payload.c);
      const b = Buffer.from(csrfId);
      return a.length === b.length && timingSafeEqual(a, b);
    },
  };
}
