// The sign-in page (docs/web.md#sign-in), matching the access mode: service mode asks for an API token,
// delegate mode for the registry user name and password (or a registry token). The form carries the CSRF
// token like every other.
import { CsrfField, Layout, type Flash, type PageContext } from './layout.js';

export function SignInPage(props: { ctx: PageContext; next: string; flash?: Flash | undefined }) {
  const { ctx } = props;
  return (
    <Layout ctx={ctx} title="Sign in" section="sign-in" flash={props.flash}>
      <div class="panel">
        {ctx.mode === 'none' ? (
          <p>Access control is off on this server: no sign-in is needed.</p>
        ) : (
          <form class="stack" method="post" action="/ui/sign-in">
            <CsrfField ctx={ctx} />
            <input type="hidden" name="next" value={props.next} />
            {ctx.mode === 'service' ? (
              <div>
                <label for="token">
                  API token <span class="hint">one of the server's [[auth.tokens]] (docs/auth.md)</span>
                </label>
                <input id="token" type="password" name="token" autocomplete="current-password" required />
              </div>
            ) : (
              <>
                <p class="muted">Sign in with your credentials of the OCI registry: the registry decides what you may do.</p>
                <div>
                  <label for="username">User name</label>
                  <input id="username" type="text" name="username" autocomplete="username" required />
                </div>
                <div>
                  <label for="password">Password or token</label>
                  <input id="password" type="password" name="password" autocomplete="current-password" required />
                </div>
              </>
            )}
            <div>
              <button type="submit">Sign in</button>
            </div>
          </form>
        )}
      </div>
    </Layout>
  );
}

export function MessagePage(props: { ctx: PageContext; title: string; text: string; signIn?: boolean }) {
  return (
    <Layout ctx={props.ctx} title={props.title} section="providers" flash={{ kind: 'error', text: props.text }}>
      {props.signIn ? (
        <p>
          <a href="/ui/sign-in">Sign in</a> to see this page.
        </p>
      ) : (
        <p>
          <a href="/ui/providers">Back to the providers</a>
        </p>
      )}
    </Layout>
  );
}
