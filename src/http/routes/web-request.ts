// What every web page handler needs (docs/web.md): the session from the sealed cookie, the CSRF cookie and
// form token, the page context, and the access decision. Pages decide with the SAME admit function as the
// API, on the API request that does the same thing (e.g. the GPG keys page asks for GET /api/v1/gpg-keys):
// every page and action checks exactly the permissions of the API, in every access mode.
import type { Context } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { AppError } from '../../core/app-error.js';
import type { Admit } from '../../core/admission.js';
import type { Caller } from '../../core/caller.js';
import type { Catalog } from '../../web/catalog.js';
import type { WebAssets } from '../../web/assets.js';
import { CSRF_COOKIE, SESSION_COOKIE, SESSION_TTL, type Session, type WebSessions } from '../../web/session.js';
import type { PageContext } from '../../web/views/layout.js';
import type { MirrorServices } from '../../mirror/services.js';
import type { ModuleServices } from '../../modules/services.js';
import type { Services } from '../../providers/services.js';
import type { PublishServices } from '../../publishing/services.js';
import type { UsageServices } from '../../usage/services.js';
import type { AppEnv } from '../env.js';

/** The wiring's part of the web pages (src/wiring/server-app.ts). */
export interface WebOptions {
  mode: 'none' | 'service' | 'delegate';
  sessions: WebSessions;
  catalog: Catalog;
  /** Hostnames of the configured pull-through upstreams. */
  upstreams: string[];
}

export interface WebDeps extends WebOptions {
  services: Services;
  publish: PublishServices | undefined;
  modules: ModuleServices | undefined;
  mirror: MirrorServices | undefined;
  usage: UsageServices | undefined;
  admit: Admit;
  assets: WebAssets;
  publicUrl: URL;
  registryHostname: string;
  mirrorBasePath: string;
}

/** Content-Security-Policy of every web answer: nothing inline, nothing from elsewhere. */
export const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

export function securityHeaders(c: Context<AppEnv>): void {
  c.header('Content-Security-Policy', CSP);
  c.header('X-Content-Type-Options', 'nosniff');
  c.header('Referrer-Policy', 'same-origin');
  c.header('X-Frame-Options', 'DENY');
}

const COOKIE_BASE = { path: '/ui', httpOnly: true, secure: true, sameSite: 'Strict' } as const;

export class WebRequest {
  readonly c: Context<AppEnv>;
  readonly deps: WebDeps;
  readonly session: Session | undefined;
  readonly csrfId: string;

  constructor(c: Context<AppEnv>, deps: WebDeps) {
    this.c = c;
    this.deps = deps;
    this.session = deps.mode === 'none' ? undefined : deps.sessions.open(getCookie(c, SESSION_COOKIE));
    const csrf = getCookie(c, CSRF_COOKIE);
    if (csrf && /^[A-Za-z0-9_-]{24}$/.test(csrf)) {
      this.csrfId = csrf;
    } else {
      this.csrfId = deps.sessions.newCsrfId();
      setCookie(c, CSRF_COOKIE, this.csrfId, { ...COOKIE_BASE, maxAge: SESSION_TTL });
    }
    securityHeaders(c);
    c.header('Cache-Control', 'no-store');
  }

  ctx(): PageContext {
    return {
      user: this.session?.label,
      mode: this.deps.mode,
      csrf: this.deps.sessions.formToken(this.csrfId),
      cssPath: this.deps.assets.css.path,
      jsPath: this.deps.assets.js.path,
      hostname: this.deps.registryHostname,
    };
  }

  /** The caller for the API request `method apiPath`, or the refusal the API would give (401/403). */
  caller(method: string, apiPath: string): Caller {
    const { caller } = this.deps.admit(method, apiPath, this.session?.authorization);
    return { ...caller, signal: this.c.req.raw.signal };
  }

  /** True when the API would admit `method apiPath` for this visitor (delegate mode: the registry decides later). */
  may(method: string, apiPath: string): boolean {
    try {
      this.deps.admit(method, apiPath, this.session?.authorization);
      return true;
    } catch {
      return false;
    }
  }

  /** Starts the session: the sealed cookie. */
  signIn(session: Session): void {
    setCookie(this.c, SESSION_COOKIE, this.deps.sessions.seal(session), { ...COOKIE_BASE, maxAge: SESSION_TTL });
  }

  signOut(): void {
    setCookie(this.c, SESSION_COOKIE, '', { ...COOKIE_BASE, maxAge: 0 });
  }

  /** 403 unless the request comes from a page of this server with this visitor's form token. */
  checkCsrf(token: string | undefined): void {
    const origin = this.c.req.header('origin');
    if (origin !== undefined && origin !== 'null' && origin !== this.deps.publicUrl.origin) {
      throw new AppError('FORBIDDEN', `cross-site request refused (Origin ${origin.slice(0, 80)})`);
    }
    if (!this.deps.sessions.checkFormToken(getCookie(this.c, CSRF_COOKIE), token)) {
      throw new AppError('FORBIDDEN', 'the form has expired or did not come from this site (CSRF check): reload the page and try again');
    }
  }

  /** The submitted form (url-encoded, at most 1 MiB), its CSRF token checked. */
  async form(): Promise<Record<string, string>> {
    const type = (this.c.req.header('content-type') ?? '').split(';')[0]?.trim().toLowerCase();
    if (type !== 'application/x-www-form-urlencoded' && type !== 'multipart/form-data') {
      throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'send the form as application/x-www-form-urlencoded');
    }
    if (Number(this.c.req.header('content-length')) > 1024 * 1024) throw new AppError('PAYLOAD_TOO_LARGE', 'forms are limited to 1 MiB');
    let body: Awaited<ReturnType<typeof this.c.req.parseBody>>;
    try {
      body = await this.c.req.parseBody();
    } catch (err) {
      // A malformed body (a multipart form without its boundary, bytes that are not a form): the sender's
      // fault, named, never a 500 (test/fuzz).
      throw new AppError('BAD_REQUEST', `the form could not be read: ${err instanceof Error ? err.message : String(err)}`);
    }
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(body)) if (typeof v === 'string') out[k] = v;
    this.checkCsrf(out._csrf);
    return out;
  }
}
