// The page frame of every web page (docs/web.md): skip link, header landmark with the navigation, main
// landmark, footer; the stylesheet and the script are static files (no inline style or script, the CSP
// forbids them). The current page is marked with aria-current.
import { raw } from 'hono/html';
import type { Child } from 'hono/jsx';

export type Section = 'providers' | 'keys' | 'modules' | 'mirror' | 'usage' | 'sign-in';

/** What every page knows about the request: who is signed in, the form token, the asset links. */
export interface PageContext {
  /** The signed-in label, or undefined (anonymous). */
  user: string | undefined;
  /** The access mode: "none" shows no sign-in. */
  mode: 'none' | 'service' | 'delegate';
  /** The CSRF form token every form carries. */
  csrf: string;
  cssPath: string;
  jsPath: string;
  /** The registry hostname (header). */
  hostname: string;
}

export interface Flash {
  kind: 'error' | 'success';
  text: string;
}

const NAV: Array<[Section, string, string]> = [
  ['providers', 'Providers', '/ui/providers'],
  ['keys', 'GPG keys', '/ui/gpg-keys'],
  ['modules', 'Modules', '/ui/modules'],
  ['mirror', 'Mirror', '/ui/mirror'],
  ['usage', 'Usage', '/ui/usage'],
];

export function CsrfField(props: { ctx: PageContext }) {
  return <input type="hidden" name="_csrf" value={props.ctx.csrf} />;
}

export function Notice(props: { flash: Flash | undefined }) {
  if (!props.flash) return null;
  return (
    <div class={`notice ${props.flash.kind}`} role={props.flash.kind === 'error' ? 'alert' : 'status'}>
      {props.flash.text}
    </div>
  );
}

/** An address with a line-break opportunity after each "/", so a phone wraps it between its parts. */
function breakAtSlashes(text: string): Child {
  const parts = text.split('/');
  return parts.map((p, i) => (i < parts.length - 1 ? [p, '/', <wbr />] : p));
}

export function Layout(props: { ctx: PageContext; title: string; section: Section; flash?: Flash | undefined; children?: Child }) {
  const { ctx } = props;
  return (
    <>
      {raw('<!DOCTYPE html>')}
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <title>{`${props.title} · ${ctx.hostname}`}</title>
          <link rel="stylesheet" href={ctx.cssPath} />
          <script src={ctx.jsPath} defer></script>
        </head>
        <body>
          <a class="skip" href="#main">
            Skip to content
          </a>
          <header class="top">
            <div class="bar">
              <a class="brand" href="/ui/providers">
                {ctx.hostname}
              </a>
              <nav aria-label="Main">
                <ul>
                  {NAV.map(([id, label, href]) => (
                    <li>
                      <a href={href} aria-current={props.section === id ? 'page' : undefined}>
                        {label}
                      </a>
                    </li>
                  ))}
                </ul>
              </nav>
              <div class="who">
                {ctx.mode === 'none' ? (
                  <span>access control off</span>
                ) : ctx.user ? (
                  <>
                    <span>
                      Signed in as <strong>{ctx.user}</strong>
                    </span>
                    <form class="inline" method="post" action="/ui/sign-out">
                      <CsrfField ctx={ctx} />
                      <button type="submit" class="secondary">
                        Sign out
                      </button>
                    </form>
                  </>
                ) : (
                  <a href="/ui/sign-in" aria-current={props.section === 'sign-in' ? 'page' : undefined}>
                    Sign in
                  </a>
                )}
              </div>
            </div>
          </header>
          <main id="main">
            <h1>{breakAtSlashes(props.title)}</h1>
            <Notice flash={props.flash} />
            {props.children}
          </main>
          <footer>tf-oci-registry · Terraform and OpenTofu registry on OCI</footer>
        </body>
      </html>
    </>
  );
}

/** A definition list of facts (label, value). */
export function Facts(props: { rows: Array<[string, Child]> }) {
  return (
    <dl class="facts">
      {props.rows.map(([k, v]) => (
        <>
          <dt>{k}</dt>
          <dd>{v}</dd>
        </>
      ))}
    </dl>
  );
}

/** A code block with a copy button (the script copies the block's text). */
export function CopyBlock(props: { id: string; label: string; text: string }) {
  return (
    <div>
      <pre tabindex={0}>
        <code id={props.id}>{props.text}</code>
      </pre>
      <button type="button" class="secondary" data-copy={props.id}>
        Copy {props.label.toLowerCase()}
      </button>
    </div>
  );
}

/** A date (ISO) shown as YYYY-MM-DD HH:MM UTC, with the full value in a <time>. */
export function When(props: { iso: string | null | undefined }) {
  if (!props.iso) return <span class="muted">—</span>;
  return <time datetime={props.iso}>{props.iso.replace('T', ' ').slice(0, 16)} UTC</time>;
}
