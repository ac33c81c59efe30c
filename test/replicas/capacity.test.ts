// The capacity measurements of docs/operations.md#capacity-model keep working: test/replicas/capacity.ts
// in quick mode (100 versions, 2 s wrk runs) on the real registry, three replicas, nginx and terraform,
// with the shape of its report checked (numbers present, the registry asked at all); no timing asserts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { requireTool } from '../support/distribution.js';
import { terraformSkipReason } from '../support/terraform.js';
import { measureCapacity } from './capacity.js';
import { NGINX_BIN } from './load-balancer.js';

const skip =
  terraformSkipReason() || requireTool('docker-registry', NGINX_BIN, '/usr/bin/wrk', 'gpg', 'zip', 'go', 'openssl').skip || false;

describe('capacity measurements (quick)', { skip, timeout: 20 * 60_000 }, () => {
  it('measures registry requests per init, memory per versions and CPU per request', async () => {
    const report = await measureCapacity(true, () => undefined);
    console.log(report.replace(/^/gm, '# '));
    const inits = [
      ...report.matchAll(/^\| (first, replicas cold|again at once \(warm\)|again after cache\.tags_ttl) \| (\d+) \| (\d+) /gm),
    ];
    assert.equal(inits.length, 3, report);
    for (const m of inits) {
      assert.ok(Number(m[2]) >= 3, `terraform sent its discovery, versions, download and zip requests: ${m[0]}`);
      assert.ok(Number(m[3]) >= 1, `the replicas asked the registry: ${m[0]}`);
    }
    assert.match(report, /\| content cache \(tfoci_content_cache_bytes\) \| \d+ KiB \| [\d.]+ MiB \|/);
    assert.match(report, /\| registry requests of the first listing \| 101 \(GET manifests 100, GET tags 1\)/);
    assert.equal(
      [...report.matchAll(/\| providers\.v1 \w+ [^|]*\| \d+ µs → [\d.]+ k \| \d+ \| \d+ µs → [\d.]+ k \| \d+ µs \| \d+ \|/g)].length,
      2,
      report,
    );
  });
});
