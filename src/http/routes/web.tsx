// The web pages (docs/web.md), mounted at / by createApp: GET / and /ui redirect to the providers page;
// /ui/assets/* are the static stylesheet and script (content-hashed names, cached for a year); sign-in
// and sign-out; then the page groups (web-providers, web-keys, web-modules, web-mirror). The permission
// table lets /ui/** through as "open": each page decides itself with the API's own rule (web-request.ts).
import { Hono } from 'hono';
import { AppError, isAppError } from '../../core/app-error.js';
import { SignInPage } from '../../web/views/sign-in.js';
import type { AppEnv } from '../env.js';
import { localNext, page } from './web-page.js';
import { securityHeaders, type WebDeps } from './web-request.js';
import { webKeyRoutes } from './web-keys.js';
import { webMirrorRoutes } from './web-mirror.js';
import { webModuleRoutes } from './web-modules.js';
import { webProviderRoutes } from './web-providers.js';

/** API requests a valid service-mode token may be admitted for (its name comes with the first that passes). */
const PROBES: Array<[string, string]> = [
  ['GET', '/api/v1/providers'],
  ['GET', '/api/v1/gpg-keys'],
  ['GET', '/api/v1/modules'],
  ['GET', '/api/v1/mirror-imports'],
  ['GET', '/api/v1/usage'],
];

export function webRoutes(deps: WebDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get('/', (c) => c.redirect('/ui/providers', 302));
  app.get('/ui', (c) => c.redirect('/ui/providers', 302));
  app.get('/ui/', (c) => c.redirect('/ui/providers', 302));

  app.get('/ui/assets/:file', (c) => {
    const a = deps.assets.byPath(c.req.path);
    securityHeaders(c);
    if (!a) throw new AppError('NOT_FOUND', 'no such asset (the page that links it is older than this server: reload it)');
    c.header('Content-Type', a.contentType);
    c.header('Cache-Control', 'public, max-age=31536000, immutable');
    return c.body(a.body);
  });

  app.get(
    '/ui/sign-in',
    page(deps, (w) => w.c.html(<SignInPage ctx={w.ctx()} next={localNext(w.c.req.query('next'))} />)),
  );

  app.post(
    '/ui/sign-in',
    page(deps, async (w) => {
      const form = await w.form();
      const next = localNext(form.next);
      try {
        if (deps.mode === 'service') {
          const token = (form.token ?? '').trim();
          if (token === '') throw new AppError('UNAUTHORIZED', 'give an API token');
          const authorization = `Bearer ${token}`;
          let label = 'API token';
          let valid = false;
          for (const [method, path] of PROBES) {
            try {
              const a = deps.admit(method, path, authorization);
              valid = true;
              if (a.apiToken) label = a.apiToken;
              break;
            } catch (err) {
              if (isAppError(err) && err.status === 403) valid = true;
              else throw err;
            }
          }
          if (!valid) throw new AppError('UNAUTHORIZED', 'unknown API token');
          w.signIn({ authorization, label });
        } else if (deps.mode === 'delegate') {
          const username = (form.username ?? '').trim();
          const password = form.password ?? '';
          if (password === '') throw new AppError('UNAUTHORIZED', 'give your registry password or token');
          const authorization =
            username === '' ? `Bearer ${password}` : `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
          const { caller } = deps.admit('GET', '/api/v1/providers', authorization);
          // The registry decides: a read with the credential proves it (a wrong password is its 401).
          if (deps.publish) await deps.publish.listProviders({}, { ...caller, signal: w.c.req.raw.signal });
          w.signIn({ authorization, label: username === '' ? 'registry token' : username });
        }
      } catch (err) {
        if (isAppError(err) && (err.status === 401 || err.status === 403)) {
          return w.c.html(<SignInPage ctx={w.ctx()} next={next} flash={{ kind: 'error', text: `Sign-in refused: ${err.message}` }} />, 401);
        }
        throw err;
      }
      return w.c.redirect(next, 303);
    }),
  );

  app.post(
    '/ui/sign-out',
    page(deps, async (w) => {
      await w.form();
      w.signOut();
      return w.c.redirect('/ui/providers', 303);
    }),
  );

  app.route('/', webProviderRoutes(deps));
  app.route('/', webKeyRoutes(deps));
  app.route('/', webModuleRoutes(deps));
  app.route('/', webMirrorRoutes(deps));
  return app;
}
