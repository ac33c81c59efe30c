// bench/lib/registry.ts countRequests: the registry access-log lines the scale scenario judges. A warm
// listing is judged on its provider's repository only; the usage record the server writes meanwhile (another
// repository) is counted apart (bench/scenarios/scale.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { countRequests, onRepository } from '../../bench/lib/registry.js';

// Lines as docker-registry 2.8 writes them (its access log, combined format).
const line = (method: string, path: string, ua: string) =>
  `127.0.0.1 - - [06/Dec/2026:17:45:01 +0000] "${method} ${path} HTTP/1.1" 202 0 "" "${ua}"`;
const LOG = [
  line('GET', '/v2/127.0.0.1_8080/providers/acme/scale100/tags/list?n=1000', 'tf-oci-registry/0.1.0'),
  line('HEAD', '/v2/127.0.0.1_8080/records/blobs/sha256:ab', 'tf-oci-registry/0.1.0'),
  line('POST', '/v2/127.0.0.1_8080/records/blobs/uploads/', 'tf-oci-registry/0.1.0'),
  line('PUT', '/v2/127.0.0.1_8080/records/manifests/usage.20261206.r1', 'tf-oci-registry/0.1.0'),
  line('GET', '/v2/127.0.0.1_8080/providers/acme/scale100/manifests/1.0.0', 'tf-oci-bench-push'),
  line('GET', '/v2/127.0.0.1_8080/providers/acme/scale1000/tags/list?n=1000', 'tf-oci-registry/0.1.0'),
  'a line that is not a request',
].join('\n');

test('every request of the user agent, per method and kind', () => {
  assert.deepEqual(countRequests(LOG, 'tf-oci-registry'), {
    total: 5,
    byKind: { 'GET tags': 2, 'HEAD blobs': 1, 'POST uploads': 1, 'PUT manifests': 1 },
  });
});

test('on a repository: only the requests on it (not a repository that merely starts with its name); the rest apart', () => {
  assert.deepEqual(countRequests(LOG, 'tf-oci-registry', onRepository('127.0.0.1_8080/providers/acme/scale100')), {
    total: 1,
    byKind: { 'GET tags': 1 },
  });
  assert.deepEqual(countRequests(LOG, 'tf-oci-bench', onRepository('127.0.0.1_8080/providers/acme/scale100')), {
    total: 1,
    byKind: { 'GET manifests': 1 },
  });
  const own = onRepository('127.0.0.1_8080/providers/acme/scale100');
  assert.deepEqual(
    countRequests(LOG, 'tf-oci-registry', (path) => !own(path)),
    {
      total: 4,
      byKind: { 'GET tags': 1, 'HEAD blobs': 1, 'POST uploads': 1, 'PUT manifests': 1 },
    },
  );
});
