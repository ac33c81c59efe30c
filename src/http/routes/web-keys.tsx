// The GPG keys page (docs/web.md#gpg-keys): list (gpg-keys:read), add by pasting the armor
// (gpg-keys:create), delete (gpg-keys:delete; the use case refuses while a version uses the key and the
// page shows its reason). Expiry comes from the key record (read from the armor when it was added).
import { Hono } from 'hono';
import { AppError, isAppError } from '../../core/app-error.js';
import type { Flash } from '../../web/views/layout.js';
import { KeysPage } from '../../web/views/keys.js';
import type { AppEnv } from '../env.js';
import { done, doneFlash, page } from './web-page.js';
import type { WebDeps, WebRequest } from './web-request.js';

async function keysPage(w: WebRequest, flash?: Flash, status: 200 | 400 | 403 | 404 | 409 | 422 = 200, form?: Record<string, string>) {
  const publish = w.deps.publish;
  if (!publish) throw new AppError('NOT_FOUND', 'publishing is not enabled on this server');
  const views = await publish.listGpgKeys({}, w.caller('GET', '/api/v1/gpg-keys'));
  return w.c.html(
    <KeysPage
      ctx={w.ctx()}
      keys={views.map((v) => ({
        id: v.key.id,
        namespace: v.key.namespace,
        name: v.key.name,
        fingerprint: v.key.fingerprint,
        keyId: v.key.keyId,
        algorithm: v.key.algorithm,
        expiresAt: v.key.expiresAt,
        warnings: v.warnings,
        versionsCount: v.versionsCount,
        createdAt: v.key.createdAt,
        uploadedBy: v.key.uploadedBy ?? null,
      }))}
      canCreate={w.may('POST', '/api/v1/gpg-keys')}
      canDelete={w.may('DELETE', '/api/v1/gpg-keys/x')}
      {...(form ? { form: { namespace: form.namespace ?? '', name: form.name ?? '', armor: form.armor ?? '' } } : {})}
      flash={flash ?? doneFlash(w)}
    />,
    status,
  );
}

/** A refusal the page shows next to the list (validation, conflict, key in use); others become error pages. */
function shown(err: unknown): err is AppError {
  return isAppError(err) && err.status < 500 && err.status !== 401;
}

export function webKeyRoutes(deps: WebDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get(
    '/ui/gpg-keys',
    page(deps, (w) => keysPage(w)),
  );

  app.post(
    '/ui/gpg-keys',
    page(deps, async (w) => {
      const form = await w.form();
      try {
        const caller = w.caller('POST', '/api/v1/gpg-keys');
        await deps.publish!.createGpgKey(
          { namespace: form.namespace ?? '', name: form.name ?? '', 'ascii-armor': form.armor ?? '' },
          caller,
        );
      } catch (err) {
        if (shown(err) && err.status !== 403)
          return keysPage(w, { kind: 'error', text: `The key was not added: ${err.message}` }, err.status as 400, form);
        throw err;
      }
      return done(w, '/ui/gpg-keys', 'key-added');
    }),
  );

  app.post(
    '/ui/gpg-keys/:id/delete',
    page(deps, async (w) => {
      await w.form();
      const id = w.c.req.param('id')!;
      try {
        await deps.publish!.deleteGpgKey(id, w.caller('DELETE', `/api/v1/gpg-keys/${id}`));
      } catch (err) {
        if (shown(err) && err.status !== 403)
          return keysPage(w, { kind: 'error', text: `The key was not deleted: ${err.message}` }, err.status as 409);
        throw err;
      }
      return done(w, '/ui/gpg-keys', 'key-deleted');
    }),
  );

  return app;
}
