// The GPG keys page (docs/web.md#gpg-keys): every key with its name, namespace, fingerprint, expiry (with
// a warning when near or past) and how many versions depend on it; a form to add a key by pasting its
// armor; Delete (with confirmation), which the use case refuses while a version uses the key.
import { CsrfField, Layout, When, type Flash, type PageContext } from './layout.js';

export interface KeyRow {
  id: string;
  namespace: string;
  name: string;
  fingerprint: string;
  keyId: string;
  algorithm: string;
  expiresAt: string | null;
  warnings: string[];
  versionsCount: number;
  createdAt: string;
  /** Who added it (docs/web.md#published-by); null when unknown. */
  uploadedBy: string | null;
}

export function KeysPage(props: {
  ctx: PageContext;
  keys: KeyRow[];
  canCreate: boolean;
  canDelete: boolean;
  form?: { namespace: string; name: string; armor: string };
  flash?: Flash | undefined;
}) {
  const { ctx } = props;
  return (
    <Layout ctx={ctx} title="GPG keys" section="keys" flash={props.flash}>
      <div class="panel">
        {props.keys.length === 0 ? (
          <p>No key yet.</p>
        ) : (
          <table class="responsive">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Namespace</th>
                <th scope="col">Fingerprint</th>
                <th scope="col">Expires</th>
                <th scope="col">Used by</th>
                <th scope="col">Added</th>
                {props.canDelete ? <th scope="col">Actions</th> : null}
              </tr>
            </thead>
            <tbody>
              {props.keys.map((k) => (
                <tr>
                  <td data-label="Name">
                    {k.name}
                    <div class="muted">{k.algorithm}</div>
                  </td>
                  <td data-label="Namespace">{k.namespace}</td>
                  <td data-label="Fingerprint">
                    <code>{k.fingerprint}</code>
                  </td>
                  <td data-label="Expires">
                    {k.expiresAt ? <When iso={k.expiresAt} /> : <span class="muted">never</span>}
                    {k.warnings.map((w) => (
                      <div class="warn">{w}</div>
                    ))}
                  </td>
                  <td data-label="Used by">{`${k.versionsCount} version${k.versionsCount === 1 ? '' : 's'}`}</td>
                  <td data-label="Added">
                    <When iso={k.createdAt} />
                    <div class="muted by">{`by ${k.uploadedBy ?? 'unknown'}`}</div>
                  </td>
                  {props.canDelete ? (
                    <td data-label="Actions">
                      <form
                        method="post"
                        action={`/ui/gpg-keys/${encodeURIComponent(k.id)}/delete`}
                        data-confirm={`Delete the key "${k.name}"?`}
                      >
                        <CsrfField ctx={ctx} />
                        <button type="submit" class="danger" aria-label={`Delete key ${k.name}`}>
                          Delete
                        </button>
                      </form>
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
      {props.canCreate ? (
        <section class="panel" aria-labelledby="add-key">
          <h2 id="add-key">Add a key</h2>
          <form class="stack" method="post" action="/ui/gpg-keys">
            <CsrfField ctx={ctx} />
            <div>
              <label for="key-namespace">Namespace</label>
              <input id="key-namespace" type="text" name="namespace" required value={props.form?.namespace ?? ''} />
            </div>
            <div>
              <label for="key-name">
                Name <span class="hint">letters, digits, dashes, underscores and spaces</span>
              </label>
              <input id="key-name" type="text" name="name" required value={props.form?.name ?? ''} />
            </div>
            <div>
              <label for="key-armor">
                Public key <span class="hint">the output of gpg --armor --export KEY_ID</span>
              </label>
              <textarea id="key-armor" name="armor" required>
                {props.form?.armor ?? ''}
              </textarea>
            </div>
            <div>
              <button type="submit">Add the key</button>
            </div>
          </form>
        </section>
      ) : null}
    </Layout>
  );
}
