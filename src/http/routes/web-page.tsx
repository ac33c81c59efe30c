// How web handlers answer (docs/web.md): an HTML page, or for a refusal the same message the API would
// give, as a page: 401 sends a browser to the sign-in page (GET) or shows why (POST); other errors are
// shown with their status. Unexpected errors are logged and shown as "internal error", never their text.
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { isAppError } from '../../core/app-error.js';
import { MessagePage } from '../../web/views/sign-in.js';
import type { AppEnv } from '../env.js';
import { WebRequest, type WebDeps } from './web-request.js';

export type PageHandler = (w: WebRequest) => Promise<Response> | Response;

/** A safe local path to return to after sign-in (only /ui/… paths of this server). */
export function localNext(next: string | undefined): string {
  return next && /^\/ui\/[A-Za-z0-9/_.~%?=&+-]*$/.test(next) && !next.startsWith('//') ? next : '/ui/providers';
}

export function errorPage(w: WebRequest, err: unknown): Response | Promise<Response> {
  const c = w.c;
  if (!isAppError(err)) {
    c.get('log')?.logger.error({ err }, 'web page failed');
    return c.html(<MessagePage ctx={w.ctx()} title="Something went wrong" text="internal error (logged on the server)" />, 500);
  }
  if (err.status === 401 && c.req.method === 'GET') {
    const next = c.req.path + (c.req.url.includes('?') ? c.req.url.slice(c.req.url.indexOf('?')) : '');
    return c.redirect(`/ui/sign-in?next=${encodeURIComponent(next)}`, 303);
  }
  const title = err.status === 401 ? 'Sign-in needed' : err.status === 403 ? 'Not allowed' : err.status === 404 ? 'Not found' : 'Refused';
  return c.html(
    <MessagePage ctx={w.ctx()} title={title} text={err.message} signIn={err.status === 401} />,
    err.status as ContentfulStatusCode,
  );
}

/** Wraps a page handler: builds the WebRequest and turns errors into pages. */
export function page(deps: WebDeps, handler: PageHandler) {
  return async (c: Context<AppEnv>): Promise<Response> => {
    const w = new WebRequest(c, deps);
    try {
      return await handler(w);
    } catch (err) {
      return errorPage(w, err);
    }
  };
}

/** After a successful action: back to a page, with a fixed message code (never text from the request). */
export function done(w: WebRequest, to: string, code: string): Response {
  return w.c.redirect(`${to}${to.includes('?') ? '&' : '?'}done=${encodeURIComponent(code)}`, 303);
}

/** The fixed success messages of `?done=` codes. */
const DONE: Record<string, string> = {
  'signed-in': 'Signed in.',
  'key-added': 'The key was added.',
  'key-deleted': 'The key was deleted.',
  'version-deleted': 'The version was deleted.',
  'provider-created': 'The provider was created.',
  'draft-created': 'The draft was created: upload its files, then publish it.',
  published: 'The version was published.',
  'import-started': 'The import started: its status is below.',
};

export function doneFlash(w: WebRequest): { kind: 'success'; text: string } | undefined {
  const code = w.c.req.query('done');
  const text = code ? DONE[code] : undefined;
  return text ? { kind: 'success', text } : undefined;
}
