// The mirror and usage pages (docs/web.md#mirror, #usage): imports from the import API's use cases
// (mirror:read; starting one needs mirror:write), mirrored providers from the catalog, and usage reports
// (usage:read) with "unused since".
import { Hono } from 'hono';
import { AppError, isAppError } from '../../core/app-error.js';
import type { Flash } from '../../web/views/layout.js';
import { MirrorPage, type ImportRow } from '../../web/views/mirror.js';
import { UsagePage } from '../../web/views/usage.js';
import type { AppEnv } from '../env.js';
import { done, doneFlash, page } from './web-page.js';
import type { WebDeps, WebRequest } from './web-request.js';

async function mirrorPage(w: WebRequest, flash?: Flash, status: 200 | 400 | 422 = 200) {
  const deps = w.deps;
  // The page lists providers: the API's providers:read.
  const catalog = await deps.catalog.providers(w.caller('GET', '/api/v1/providers'));
  const mirrored = catalog.entries.filter((e) => e.hostname !== deps.registryHostname);
  let imports: ImportRow[] | undefined;
  let importsNote: string | undefined;
  if (!deps.mirror) importsNote = 'Mirror imports are not enabled on this server.';
  else if (!w.may('GET', '/api/v1/mirror-imports')) importsNote = 'Reading imports needs the mirror:read permission.';
  else {
    imports = (await deps.mirror.listImports(w.caller('GET', '/api/v1/mirror-imports'))).map((r) => ({
      id: r.id,
      status: r.status,
      providers: r.providers,
      version: r.version,
      startedBy: r.startedBy,
      startedAt: r.startedAt,
      finishedAt: r.finishedAt,
      results: r.results.map((x) => ({
        provider: x.provider,
        version: x.version,
        platform: x.platform,
        outcome: x.outcome,
        detail: x.detail,
      })),
      errors: r.errors,
    }));
  }
  return w.c.html(
    <MirrorPage
      ctx={w.ctx()}
      upstreams={deps.upstreams}
      mirrored={mirrored}
      imports={imports}
      importsNote={importsNote}
      canImport={deps.mirror !== undefined && deps.upstreams.length > 0 && w.may('POST', '/api/v1/mirror-imports')}
      flash={flash ?? doneFlash(w)}
    />,
    status,
  );
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

export function webMirrorRoutes(deps: WebDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get(
    '/ui/mirror',
    page(deps, (w) => mirrorPage(w)),
  );

  app.post(
    '/ui/mirror/imports',
    page(deps, async (w) => {
      const form = await w.form();
      if (!deps.mirror) throw new AppError('NOT_FOUND', 'mirror imports are not enabled on this server');
      const providers = (form.providers ?? '')
        .split(/[\s,]+/)
        .map((p) => p.trim())
        .filter((p) => p !== '');
      const platforms = (form.platforms ?? '')
        .split(/[\s,]+/)
        .map((p) => p.trim())
        .filter((p) => p !== '');
      try {
        await deps.mirror.startImport(
          { providers, ...(form.version?.trim() ? { version: form.version.trim() } : {}), ...(platforms.length > 0 ? { platforms } : {}) },
          w.caller('POST', '/api/v1/mirror-imports'),
        );
      } catch (err) {
        if (isAppError(err) && (err.status === 400 || err.status === 422)) {
          return mirrorPage(w, { kind: 'error', text: `The import did not start: ${err.message}` }, err.status as 400);
        }
        throw err;
      }
      return done(w, '/ui/mirror', 'import-started');
    }),
  );

  app.get(
    '/ui/usage',
    page(deps, async (w) => {
      if (!deps.usage) {
        w.caller('GET', '/api/v1/usage');
        return w.c.html(
          <UsagePage
            ctx={w.ctx()}
            since=""
            rows={undefined}
            unused={undefined}
            note="Usage reports are off on this server ([usage] enabled = false)."
          />,
        );
      }
      const caller = w.caller('GET', '/api/v1/usage');
      const given = w.c.req.query('since');
      const since = given && DAY.test(given) ? given : new Date(Date.now() - 30 * 86400_000).toISOString().slice(0, 10);
      const rows = (await deps.usage.query({ since }, caller)).map((u) => ({
        kind: u.kind,
        subject: u.subject,
        version: u.version,
        downloads: u.downloads,
        listings: u.listings,
        distinctCallers: u.distinctCallers,
        atLeast: u.distinctCallersAtLeast,
        lastUsed: u.lastUsed,
        clients: u.clients,
      }));
      const provider = w.c.req.query('provider')?.trim();
      let unused: { provider: string; since: string; versions: string[] } | undefined;
      let note: string | undefined;
      if (provider) {
        try {
          unused = { provider, since, versions: await deps.usage.unusedSince(provider, since, caller) };
        } catch (err) {
          if (!isAppError(err) || err.status >= 500) throw err;
          note = err.message;
        }
      }
      return w.c.html(<UsagePage ctx={w.ctx()} since={since} rows={rows} unused={unused} note={note} />);
    }),
  );

  return app;
}
