// A draft version (docs/web.md#drafts): the files uploaded so far (role, size, sha256), a form that
// uploads chosen files one by one (the script streams each with PUT), Publish (verify and publish the
// draft) and Delete (with confirmation).
import { CsrfField, Facts, Layout, type Flash, type PageContext } from './layout.js';

export interface DraftView {
  id: string;
  address: string;
  providerHref: string;
  version: string;
  status: string;
  errors: string[];
  keyId: string;
  files: Array<{ filename: string; role: string; size: number; sha256: string }>;
}

export function DraftPage(props: { ctx: PageContext; d: DraftView; flash?: Flash | undefined }) {
  const { d, ctx } = props;
  const base = `/ui/drafts/${encodeURIComponent(d.id)}`;
  return (
    <Layout ctx={ctx} title={`Draft ${d.address} ${d.version}`} section="providers" flash={props.flash}>
      <div class="panel">
        <Facts
          rows={[
            ['Provider', <a href={d.providerHref}>{d.address}</a>],
            ['Version', d.version],
            ['Status', <span class="badge">{d.status}</span>],
            ['Signing key', <code>{d.keyId}</code>],
          ]}
        />
        {d.errors.length > 0 ? (
          <ul class="bad" aria-label="Failed checks">
            {d.errors.map((e) => (
              <li>{e}</li>
            ))}
          </ul>
        ) : null}
      </div>
      <h2 id="files">Files</h2>
      <div class="panel">
        {d.files.length === 0 ? (
          <p>No file yet. Upload each zip, the SHA256SUMS file and its .sig (and GoReleaser's manifest.json, if any).</p>
        ) : (
          <table class="responsive" aria-labelledby="files">
            <thead>
              <tr>
                <th scope="col">File</th>
                <th scope="col">Role</th>
                <th scope="col">Size</th>
                <th scope="col">SHA-256</th>
              </tr>
            </thead>
            <tbody>
              {d.files.map((f) => (
                <tr>
                  <td data-label="File">{f.filename}</td>
                  <td data-label="Role">{f.role}</td>
                  <td data-label="Size">{`${f.size} bytes`}</td>
                  <td data-label="SHA-256">
                    <code>{f.sha256}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
      {d.status === 'pending' ? (
        <div class="grid2">
          <section class="panel" aria-labelledby="upload">
            <h2 id="upload">Upload files</h2>
            <form id="draft-upload" class="stack" method="post" action={`${base}/files`}>
              <CsrfField ctx={ctx} />
              <div>
                <label for="draft-files">Release files</label>
                <input id="draft-files" type="file" name="file" multiple required />
              </div>
              <div>
                <button type="submit">Upload</button>
              </div>
              <p id="upload-status" class="muted" role="status" aria-live="polite"></p>
              <noscript>
                <p class="notice">Uploading files from this page needs JavaScript. Without it, use the publish command.</p>
              </noscript>
            </form>
          </section>
          <section class="panel" aria-labelledby="finish">
            <h2 id="finish">Publish</h2>
            <p>Publishing verifies the checksums, the signature and the file names, then makes the version visible.</p>
            <form method="post" action={`${base}/publish`}>
              <CsrfField ctx={ctx} />
              <button type="submit">Publish {d.version}</button>
            </form>
            <h2>Discard</h2>
            <form
              method="post"
              action={`/ui/versions/${encodeURIComponent(d.id)}/delete`}
              data-confirm={`Delete the draft ${d.version} and its files?`}
            >
              <CsrfField ctx={ctx} />
              <button type="submit" class="danger">
                Delete the draft
              </button>
            </form>
          </section>
        </div>
      ) : null}
    </Layout>
  );
}
