// config.example.toml is the reference users copy: it must load, and it must mention every key of the
// schema (as a setting or a commented-out line), so documentation and code cannot drift apart.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { CONFIG_SCHEMA } from './schema.js';
import { loadConfig } from './load.js';

const text = readFileSync(new URL('../../config.example.toml', import.meta.url), 'utf8');

describe('config.example.toml', () => {
  it('loads as it is', () => {
    const c = loadConfig({
      fileText: text,
      fileName: 'config.example.toml',
      env: {},
      readFile: () => '',
      randomSecret: () => 'x'.repeat(32),
    });
    assert.equal(c.storage.kind, 'registry');
    assert.equal(c.auth.mode, 'delegate');
  });

  it('mentions every key of the schema under its section', () => {
    for (const [section, fields] of Object.entries(CONFIG_SCHEMA)) {
      const header = text.indexOf(`[${section}]`);
      assert.ok(header >= 0, `section [${section}] missing`);
      const next = text.slice(header + 1).search(/^\[[a-z.]+\]$/m);
      const body = next < 0 ? text.slice(header) : text.slice(header, header + 1 + next);
      for (const key of Object.keys(fields)) {
        assert.match(
          body,
          new RegExp(`^#? ?(\\[\\[${section}\\.)?${key}(_file)?\\b`, 'm'),
          `${section}.${key} is not mentioned in config.example.toml`,
        );
      }
    }
  });
});
