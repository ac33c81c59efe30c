// Sign-in in delegate mode (docs/web.md#sign-in) against the real Distribution registry with htpasswd:
// the registry decides (a wrong password is refused by it), the session cookie is HttpOnly, Secure and
// SameSite=Strict and holds the credential only sealed (neither the password nor its Basic encoding can
// be read from it, nor from the logs), a second replica with the same secrets accepts it, anonymous
// visitors are sent to sign in (the registry refuses anonymous reads), and sign-out needs the form token.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DOCKER_REGISTRY_BIN, requireTool, startDistribution, type Distribution } from '../support/distribution.js';
import { buildAuthApp, type AuthTestApp } from '../auth/support.js';

const PASSWORD = 'htpw-web-7f3a9c';
const b64 = (s: string) => Buffer.from(s).toString('base64');

/** The cookies a response sets (name -> full Set-Cookie line). */
function setCookies(res: Response): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of res.headers.getSetCookie()) out.set(line.slice(0, line.indexOf('=')), line);
  return out;
}
const cookieValue = (line: string | undefined) => (line ? line.slice(line.indexOf('=') + 1, line.indexOf(';')) : '');

describe('web sign-in in delegate mode over Distribution with htpasswd', requireTool(DOCKER_REGISTRY_BIN, 'htpasswd'), () => {
  let reg: Distribution;
  let t: AuthTestApp;
  let replica: AuthTestApp;
  const toml = (url: string) =>
    `[storage]\nkind = "registry"\nurl = "${url}"\nplain_http = true\nprefix = "tf"\n[auth]\nmode = "delegate"\n`;

  before(async () => {
    reg = await startDistribution({ auth: { kind: 'htpasswd', users: { alice: PASSWORD } } });
    t = buildAuthApp(undefined, toml(reg.url));
    replica = buildAuthApp(undefined, toml(reg.url));
  });
  after(async () => {
    await reg?.stop();
  });

  /** GET the sign-in page: the CSRF cookie and the form token. */
  async function formToken(): Promise<{ cookie: string; token: string }> {
    const res = await t.app.request('/ui/sign-in');
    assert.equal(res.status, 200);
    const html = await res.text();
    assert.match(html, /User name/);
    const token = /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
    assert.ok(token);
    return { cookie: `tfreg_csrf=${cookieValue(setCookies(res).get('tfreg_csrf'))}`, token };
  }

  const post = (path: string, cookie: string, form: Record<string, string>) =>
    t.app.request(path, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', origin: 'https://registry.example.test' },
      body: new URLSearchParams(form).toString(),
    });

  it('sends anonymous visitors to sign in (the registry refuses anonymous reads)', async () => {
    const res = await t.app.request('/ui/providers');
    assert.equal(res.status, 303);
    assert.equal(res.headers.get('location'), '/ui/sign-in?next=%2Fui%2Fproviders');
  });

  it('refuses a wrong password (the registry says so) and a form without its token', async () => {
    const { cookie, token } = await formToken();
    const wrong = await post('/ui/sign-in', cookie, { _csrf: token, username: 'alice', password: 'nope' });
    assert.equal(wrong.status, 401);
    assert.match(await wrong.text(), /Sign-in refused/);
    assert.equal(setCookies(wrong).has('tfreg_session'), false);
    const forged = await post('/ui/sign-in', cookie, { username: 'alice', password: PASSWORD });
    assert.equal(forged.status, 403);
    assert.match(await forged.text(), /CSRF check/);
  });

  it('signs in with registry credentials sealed in an HttpOnly, Secure, SameSite cookie any replica opens', async () => {
    const { cookie, token } = await formToken();
    const res = await post('/ui/sign-in', cookie, { _csrf: token, username: 'alice', password: PASSWORD, next: '/ui/gpg-keys' });
    assert.equal(res.status, 303);
    assert.equal(res.headers.get('location'), '/ui/gpg-keys');
    const line = setCookies(res).get('tfreg_session');
    assert.ok(line);
    assert.match(line, /HttpOnly/);
    assert.match(line, /Secure/);
    assert.match(line, /SameSite=Strict/);
    const sealed = cookieValue(line);
    const readable = Buffer.from(sealed, 'base64url').toString('latin1');
    for (const secret of [PASSWORD, b64(`alice:${PASSWORD}`), 'alice']) {
      assert.equal(sealed.includes(secret) || readable.includes(secret), false, `cookie reveals ${secret}`);
    }
    assert.equal(t.logs().includes(PASSWORD) || t.logs().includes(b64(`alice:${PASSWORD}`)), false, 'password in the logs');
    const session = `${cookie}; tfreg_session=${sealed}`;
    for (const app of [t, replica]) {
      const page = await app.app.request('/ui/providers', { headers: { cookie: session } });
      assert.equal(page.status, 200);
      assert.match(await page.text(), /Signed in as <strong>alice<\/strong>/);
    }
    // Sign-out is a form too: without the token it is refused, with it the cookie is cleared.
    assert.equal((await post('/ui/sign-out', session, {})).status, 403);
    const out = await post('/ui/sign-out', session, { _csrf: token });
    assert.equal(out.status, 303);
    assert.match(setCookies(out).get('tfreg_session') ?? '', /Max-Age=0/);
  });
});
