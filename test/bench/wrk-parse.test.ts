// parseWrk (bench/lib/wrk.ts) reads wrk's text: rates, percentiles, non-2xx answers, and socket errors by
// kind, so that a report says whether an error was a connect failure or a request past --timeout.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseWrk } from '../../bench/lib/wrk.js';

const OUTPUT = `Running 10s test @ http://127.0.0.1:8080/mirror/h/acme/widget/index.json
  2 threads and 1000 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   321.11ms    1.21s    9.99s    94.12%
    Req/Sec    10.05k     1.21k   13.20k    71.00%
  Latency Distribution
     50%   27.30ms
     75%   40.10ms
     90%    1.76s
     99%    7.32s
  199000 requests in 10.00s, 50.10MB read
  Socket errors: connect 0, read 0, write 0, timeout 1
Requests/sec:  19900.00
Transfer/sec:      5.01MB
`;

test('socket errors are counted, and named by kind', () => {
  const r = parseWrk(OUTPUT);
  assert.equal(r.requests, 199000);
  assert.equal(r.rps, 19900);
  assert.equal(r.p50, 27.3);
  assert.equal(r.p99, 7320);
  assert.equal(r.socketErrors, 1);
  assert.equal(r.socketErrorKinds, 'timeout 1');
  const two = parseWrk(OUTPUT.replace('connect 0, read 0, write 0, timeout 1', 'connect 2, read 0, write 1, timeout 0'));
  assert.equal(two.socketErrors, 3);
  assert.equal(two.socketErrorKinds, 'connect 2, write 1');
});

test('no socket error line: none, and no kinds', () => {
  const r = parseWrk(OUTPUT.replace(/ {2}Socket errors:.*\n/, ''));
  assert.equal(r.socketErrors, 0);
  assert.equal(r.socketErrorKinds, '');
});
