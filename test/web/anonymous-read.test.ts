// Anonymous browsing follows auth.anonymous_read (docs/web.md#sign-in): in service mode with
// anonymous_read = true a visitor without a session sees the providers and modules pages (the API's
// providers:read and modules:read), and is sent to sign in for the keys, mirror and usage pages; with
// anonymous_read = false every page sends them to sign in. No form appears that the visitor may not use.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createMemoryStore } from '../../src/oci/memory-store.js';
import { buildAuthApp } from '../auth/support.js';

const toml = (anonymousRead: boolean) =>
  `[storage]\nprefix = "tf"\n[auth]\nmode = "service"\nanonymous_read = ${anonymousRead}\n[[auth.tokens]]\nname = "admin"\nsha256 = "${'a'.repeat(64)}"\npermissions = ["*"]\n`;

describe('web pages for anonymous visitors', () => {
  it('anonymous_read = true: providers and modules are open, keys, mirror and usage need sign-in', async () => {
    const { app } = buildAuthApp(createMemoryStore(), toml(true));
    for (const path of ['/ui/providers', '/ui/modules']) {
      const res = await app.request(path);
      assert.equal(res.status, 200, path);
      const html = await res.text();
      assert.match(html, /<a href="\/ui\/sign-in"/, path);
      assert.doesNotMatch(html, /<form class="stack" method="post"/, `${path}: no forms for anonymous visitors`);
    }
    for (const path of ['/ui/gpg-keys', '/ui/mirror', '/ui/usage']) {
      const res = await app.request(path);
      // mirror lists providers (readable) but imports need mirror:read: the page says so instead of listing them.
      if (path === '/ui/mirror') {
        assert.equal(res.status, 200);
        assert.match(await res.text(), /Reading imports needs the mirror:read permission/);
        continue;
      }
      assert.equal(res.status, 303, path);
      assert.equal(res.headers.get('location'), `/ui/sign-in?next=${encodeURIComponent(path)}`);
    }
  });

  it('anonymous_read = false: every page sends anonymous visitors to sign in', async () => {
    const { app } = buildAuthApp(createMemoryStore(), toml(false));
    for (const path of ['/ui/providers', '/ui/modules', '/ui/gpg-keys', '/ui/mirror', '/ui/usage']) {
      const res = await app.request(path);
      assert.equal(res.status, 303, path);
    }
    // A visitor's Authorization header is not a session: pages ignore it (the API uses it).
    const res = await app.request('/ui/providers', { headers: { authorization: 'Bearer whatever' } });
    assert.equal(res.status, 303);
  });
});
