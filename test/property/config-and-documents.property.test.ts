// Property tests of two inputs an operator or API client writes: configuration values (every key of
// CONFIG_SCHEMA, src/config/schema.ts, set through its environment variable or the TOML file to arbitrary
// text) and JSON:API request documents (src/http/routes/api/json-api.ts, through the real application).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ConfigError, loadConfig } from '../../src/config/load.js';
import { CONFIG_SCHEMA, envName } from '../../src/config/schema.js';
import { createMemoryStore } from '../../src/oci/memory-store.js';
import { buildTestApp } from '../support/test-app.js';
import { check, nastyString } from './support.js';

const KEYS = Object.entries(CONFIG_SCHEMA).flatMap(([section, fields]) => Object.keys(fields).map((key) => ({ section, key })));
const load = (env: Record<string, string>, fileText?: string) =>
  loadConfig({
    env,
    ...(fileText !== undefined ? { fileText } : {}),
    readFile: () => 'from-a-file',
    randomSecret: () => 'random-secret-0123456789',
  });

describe('property: configuration values', () => {
  it('any text in any variable: a configuration, or a ConfigError naming a variable or key', () => {
    check(
      fc.property(
        fc.constantFrom(...KEYS),
        fc.oneof(nastyString, fc.integer().map(String), fc.constantFrom('true', 'false', '[]', '{}', '-1', '1e9')),
        ({ section, key }, value) => {
          try {
            load({ [envName(section, key)]: value });
          } catch (err) {
            assert.ok(err instanceof ConfigError, `${envName(section, key)}=${JSON.stringify(value)}: ${String(err)}`);
            assert.match(err.message, /TF_OCI_REGISTRY_[A-Z0-9_]+|[a-z_]+\.[a-z_]+/, err.message);
          }
        },
      ),
    );
  });

  it('any TOML value for any key: a configuration, or a ConfigError naming the key', () => {
    const tomlValue = fc.oneof(
      nastyString.map((s) => JSON.stringify(s)),
      fc.integer().map(String),
      fc.constantFrom('true', '[]', '[1, "a"]', '{ a = 1 }', '1.5', '1979-05-27T07:32:00Z'),
    );
    check(
      fc.property(fc.constantFrom(...KEYS), tomlValue, ({ section, key }, value) => {
        try {
          load({}, `[${section}]\n${key} = ${value}\n`);
        } catch (err) {
          assert.ok(err instanceof ConfigError, `${section}.${key} = ${value}: ${String(err)}`);
          assert.ok(err.message.length > 0);
        }
      }),
    );
  });

  it('an integer key takes every integer within its range and refuses the rest, naming the variable', () => {
    const ints = KEYS.filter(
      ({ section, key }) => (CONFIG_SCHEMA as Record<string, Record<string, { type: string }>>)[section]![key]!.type === 'integer',
    );
    assert.ok(ints.length > 3);
    check(
      fc.property(fc.constantFrom(...ints), fc.integer({ min: -100_000, max: 10_000_000 }), ({ section, key }, n) => {
        const spec = (CONFIG_SCHEMA as Record<string, Record<string, { min?: number; max?: number }>>)[section]![key]!;
        const inRange = (spec.min === undefined || n >= spec.min) && (spec.max === undefined || n <= spec.max);
        const name = envName(section, key);
        try {
          load({ [name]: String(n) });
        } catch (err) {
          assert.ok(err instanceof ConfigError);
          // Another key may refuse the combination (e.g. a listen address); an out-of-range value must name this one.
          if (!inRange) assert.ok(err.message.includes(name) || err.message.includes(`${section}.${key}`), err.message);
          return;
        }
        assert.ok(inRange, `${name}=${n} accepted outside ${spec.min}..${spec.max}`);
      }),
    );
  });
});

describe('property: JSON:API request documents', () => {
  const { app } = buildTestApp(createMemoryStore(), { prefix: 'tf' });
  const json = fc.jsonValue({ maxDepth: 3 });
  const doc = fc.oneof(
    json,
    fc.record({ data: json }),
    fc.record({
      data: fc.record(
        { type: fc.oneof(fc.constant('providers'), json), attributes: json, relationships: json },
        { requiredKeys: ['type'] },
      ),
    }),
  );

  it('any document to POST /api/v1/providers: 201, or a 4xx JSON:API error with a detail; never a 5xx', async () => {
    await check(
      fc.asyncProperty(doc, fc.constantFrom('application/vnd.api+json', 'application/json', 'text/plain'), async (body, type) => {
        const res = await app.request('/api/v1/providers', {
          method: 'POST',
          headers: { 'content-type': type },
          body: JSON.stringify(body),
        });
        const text = await res.text();
        assert.ok(res.status < 500, `${res.status} ${text}`);
        if (res.status === 201) return;
        assert.ok(res.status >= 400, `${res.status} ${text}`);
        const detail = (JSON.parse(text) as { errors: Array<{ detail: string }> }).errors[0]?.detail;
        assert.ok(typeof detail === 'string' && detail.length > 0, text);
        if (type === 'text/plain') assert.equal(res.status, 415);
      }),
      150,
    );
  });
});
