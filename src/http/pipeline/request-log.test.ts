// The access line is written by hand (RequestLog.access): its text must be exactly what JSON.stringify
// gives for the same line object, whatever the strings, numbers and fields (generated here), with fields
// given as JsonText spliced as their value.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import pino from 'pino';
import { JsonText } from '../../core/json-text.js';
import { accessWriter, RequestLog } from './request-log.js';

const FIXED = new Set(['level', 'time', 'reqId', 'method', 'path', 'route', 'status', 'ms', 'msg']);
// Field names are identifiers (reqId, apiToken, usage): an integer-like name would move to the front of an object.
const fieldName = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,12}$/).filter((k) => !FIXED.has(k) && k !== '__proto__');
const jsonValue = fc.jsonValue();
const number = fc.oneof(fc.integer(), fc.double(), fc.constant(Number.NaN), fc.constant(Number.POSITIVE_INFINITY));

describe('RequestLog.access', () => {
  it('writes the text JSON.stringify gives for the line object', () => {
    fc.assert(
      fc.property(
        fc.record({
          reqId: fc.string(),
          bound: fc.dictionary(fieldName, fc.option(fc.string(), { nil: undefined })),
          method: fc.string(),
          path: fc.string(),
          route: fc.option(fc.string(), { nil: undefined }),
          status: number,
          ms: number,
          extra: fc.option(fc.dictionary(fieldName, fc.tuple(jsonValue, fc.boolean())), { nil: undefined }),
        }),
        (l) => {
          const lines: string[] = [];
          const log = new RequestLog(pino({ enabled: false }), (line) => lines.push(line), l.reqId);
          if (Object.keys(l.bound).length > 0) log.bind(l.bound);
          const bindingKeys = new Set(Object.keys(l.bound));
          // Field names of `extra` that are not also bound (a duplicate name is not a case the pipeline makes).
          const extraEntries = Object.entries(l.extra ?? {}).filter(([k]) => !bindingKeys.has(k));
          const extra =
            l.extra === undefined
              ? undefined
              : Object.fromEntries(extraEntries.map(([k, [v, raw]]) => [k, raw ? new JsonText(JSON.stringify(v)) : v]));
          const before = Date.now();
          log.access(l.method, l.path, l.route, l.status, l.ms, extra);
          assert.equal(lines.length, 1);
          const line = lines[0]!;
          assert.ok(line.endsWith('\n'));
          const time = (JSON.parse(line) as { time: number }).time;
          assert.ok(time >= before && time <= Date.now());
          const object: Record<string, unknown> = { level: 30, time, reqId: l.reqId, ...l.bound };
          Object.assign(object, { method: l.method, path: l.path, route: l.route, status: l.status, ms: l.ms });
          for (const [k, [v]] of extraEntries) object[k] = v;
          object.msg = 'request';
          assert.equal(line, `${JSON.stringify(object)}\n`);
        },
      ),
      { numRuns: 500 },
    );
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
