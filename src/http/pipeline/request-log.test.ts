// The access line is written by hand (RequestLog.access): its text must be exactly what JSON.stringify
// gives for the same line object, whatever the strings, numbers and fields (generated here), with fields
// given as JsonText spliced as their value or as JsonMembers, and with the pipeline's memo of the method,
// path and route members (AccessHeads, shared by every line as in a server) or without it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import pino from 'pino';
import { JsonMembers, JsonText } from '../../core/json-text.js';
import { requestIdOf } from './pipeline.js';
import { AccessHeads, accessPath, accessWriter, RequestLog } from './request-log.js';

const FIXED = new Set(['level', 'time', 'reqId', 'method', 'path', 'route', 'status', 'ms', 'msg']);
// Field names are identifiers (reqId, apiToken, usage): an integer-like name would move to the front of an object.
const fieldName = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,12}$/).filter((k) => !FIXED.has(k) && k !== '__proto__');
const jsonValue = fc.jsonValue();
const number = fc.oneof(fc.integer(), fc.double(), fc.constant(Number.NaN), fc.constant(Number.POSITIVE_INFINITY));

describe('RequestLog.access', () => {
  it('writes the text JSON.stringify gives for the line object', () => {
    // One memo for every line, as in a server: paths and routes come back (a small alphabet makes them
    // repeat), so lines are written from remembered members as well as from new ones.
    const heads = new AccessHeads();
    const segment = fc.constantFrom('v1', 'download', 'uploads', 'm', 'pull', 'T0k3n', 'index.json', 'é', '"', ':token');
    const path = fc.oneof(
      fc.string(),
      fc.array(segment, { maxLength: 5 }).map((s) => `/${s.join('/')}`),
    );
    const route = fc.option(fc.oneof(fc.string(), fc.constantFrom('/download/:token/:filename', '/v1/:a/:b', '/x')), { nil: undefined });
    fc.assert(
      fc.property(
        fc.record({
          reqId: fc.string(),
          plainId: fc.boolean(),
          memo: fc.boolean(),
          members: fc.boolean(),
          bound: fc.dictionary(fieldName, fc.option(fc.string(), { nil: undefined })),
          method: fc.oneof(fc.constant('GET'), fc.string()),
          path,
          route,
          status: number,
          ms: number,
          extra: fc.option(fc.dictionary(fieldName, fc.tuple(jsonValue, fc.boolean())), { nil: undefined }),
        }),
        (l) => {
          const lines: string[] = [];
          // A pipeline's ids need no escaping (requestIdOf); any other id is escaped as JSON does.
          const reqId = l.plainId ? requestIdOf(l.reqId) : l.reqId;
          const log = new RequestLog(pino({ enabled: false }), (line) => lines.push(line), reqId, {
            ...(l.memo ? { heads } : {}),
            plainIds: l.plainId,
          });
          if (Object.keys(l.bound).length > 0) log.bind(l.bound);
          const bindingKeys = new Set(Object.keys(l.bound));
          // Field names of `extra` that are not also bound (a duplicate name is not a case the pipeline makes).
          const extraEntries = Object.entries(l.extra ?? {}).filter(([k]) => !bindingKeys.has(k));
          const fields =
            l.extra === undefined
              ? undefined
              : Object.fromEntries(extraEntries.map(([k, [v, raw]]) => [k, raw ? new JsonText(JSON.stringify(v)) : v]));
          const extra = fields !== undefined && l.members ? JsonMembers.of(fields) : fields;
          const before = Date.now();
          log.access(l.method, l.path, l.route, l.status, l.ms, extra);
          assert.equal(lines.length, 1);
          const line = lines[0]!;
          assert.ok(line.endsWith('\n'));
          const time = (JSON.parse(line) as { time: number }).time;
          assert.ok(time >= before && time <= Date.now());
          const object: Record<string, unknown> = { level: 30, time, reqId, ...l.bound };
          Object.assign(object, { method: l.method, path: accessPath(l.path, l.route), route: l.route, status: l.status, ms: l.ms });
          for (const [k, [v]] of extraEntries) object[k] = v;
          object.msg = 'request';
          assert.equal(line, `${JSON.stringify(object)}\n`);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('never shows a capability, from the memo or not', () => {
    const heads = new AccessHeads();
    const lines: string[] = [];
    for (let i = 0; i < 3; i++) {
      const log = new RequestLog(pino({ enabled: false }), (line) => lines.push(line), `r${i}`, { heads, plainIds: true });
      log.access('GET', `/download/Tick${i}et/f.zip`, '/download/:token/:filename', 200, 1);
      log.access('GET', `/download/Tick${i}et/f.zip`, undefined, 404, 1);
      log.access('PUT', `/api/v1/uploads/Up${i}load`, '/api/v1/uploads/:token', 201, 1);
    }
    assert.equal(lines.length, 9);
    for (const line of lines) assert.doesNotMatch(line, /Tick|Up\dload/, line);
    assert.match(lines[0]!, /"path":"\/download\/…\/f.zip","route":"\/download\/:token\/:filename"/);
  });

  it('keeps a bounded memo: long paths are not kept, and it starts again when full', () => {
    const heads = new AccessHeads();
    const long = `/v1/providers/${'n'.repeat(600)}/t/versions`;
    assert.equal(
      heads.head('GET', long, '/v1/providers/:namespace/:type/versions'),
      `,"method":"GET","path":${JSON.stringify(long)},"route":"/v1/providers/:namespace/:type/versions"`,
    );
    assert.equal(heads.size, 0);
    for (let i = 0; i < 4096; i++) heads.head('GET', `/v1/providers/n${i}/t/versions`, '/v1/providers/:namespace/:type/versions');
    assert.equal(heads.size, 4096);
    heads.head('GET', '/mirror/h/n/t/index.json', '/mirror/:hostname/:namespace/:type/:file');
    assert.equal(heads.size, 1);
    assert.equal(
      heads.head('GET', '/v1/providers/n1/t/versions', '/v1/providers/:namespace/:type/versions'),
      ',"method":"GET","path":"/v1/providers/n1/t/versions","route":"/v1/providers/:namespace/:type/versions"',
    );
    assert.equal(heads.size, 2);
  });

  it('goes through info() for a logger without a destination stream, with the same fields', () => {
    const got: Array<{ fields: unknown; msg: string }> = [];
    const fake = { info: (fields: unknown, msg: string) => got.push({ fields, msg }) } as unknown as pino.Logger;
    const log = new RequestLog(pino({ enabled: false }), accessWriter(fake), 'r1');
    log.access('GET', '/x', '/x', 200, 1.5, { usage: new JsonText('{"action":"listing"}') });
    assert.deepEqual(got, [
      {
        fields: { reqId: 'r1', method: 'GET', path: '/x', route: '/x', status: 200, ms: 1.5, usage: { action: 'listing' } },
        msg: 'request',
      },
    ]);
  });
});
