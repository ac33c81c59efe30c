// Module version publishing (PUT /api/v1/modules/:id/versions/:version) with the guarantees of a provider
// upload (docs/fault-tolerance.md#module-versions), on real `serve` processes over a real Distribution
// registry:
//  - the same version PUT on two replicas at once with two different archives: exactly one wins, the
//    other gets 409, and the tag holds the winner's package (before: both passed the "tag exists?" check
//    and the last tag push won, both clients told success);
//  - an upload whose server is SIGKILLed: its version reads as failed, with the reason, once its lease
//    ended; the work directory it left is swept at the next start; the retry publishes it.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { DOCKER_REGISTRY_BIN, requireTool } from '../support/distribution.js';
import { tarGz } from '../modules/support/archives.js';
import {
  type Answer,
  faultTrials,
  heldBody,
  type PublishFaultStack,
  type ServeProcess,
  startPublishFaultStack,
  startServe,
  waitFor,
} from './publish-kit.js';

const tools = requireTool(DOCKER_REGISTRY_BIN);
const LEASE_S = 3;
const ENV = { TF_OCI_REGISTRY_PUBLISH_UPLOAD_LEASE: String(LEASE_S) };
const MODULE = 'mod-acme.vpc.aws';

function moduleArchive(label: string, padding = 0): Promise<Buffer> {
  return tarGz([
    { name: 'main.tf', content: `variable "name" {}\noutput "label" { value = "${label}" }\n` },
    ...(padding > 0 ? [{ name: 'files/blob.bin', content: randomBytes(padding) }] : []),
  ]);
}

async function put(s: ServeProcess, version: string, body: Buffer | ReadableStream<Uint8Array>): Promise<Answer> {
  try {
    const res = await fetch(`${s.base}/api/v1/modules/${MODULE}/versions/${version}`, {
      method: 'PUT',
      body,
      headers: { 'content-type': 'application/octet-stream' },
      duplex: 'half',
      signal: AbortSignal.timeout(120_000),
    } as RequestInit);
    const text = await res.text();
    return { status: res.status, body: text === '' ? null : JSON.parse(text) };
  } catch (err) {
    return { status: 0, body: String(err) };
  }
}

const workDirs = async (dir: string): Promise<string[]> =>
  (await readdir(dir).catch(() => [] as string[])).filter((n) => n.startsWith('module-upload-'));

describe('module version publishing across replicas and kills', { skip: tools.skip ?? false }, () => {
  let stack: PublishFaultStack;
  let a: ServeProcess;
  let b: ServeProcess;
  let spool = '';

  before(async () => {
    stack = await startPublishFaultStack();
    spool = join(stack.tmp, 'tf-oci-registry');
    [a, b] = await Promise.all([startServe(stack, ENV), startServe(stack, ENV)]);
    const created = await a.client.call('POST', '/api/v1/modules', {
      data: { type: 'modules', attributes: { namespace: 'acme', name: 'vpc', system: 'aws' } },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
  });
  after(async () => {
    await Promise.all([a?.kill(), b?.kill()]);
    await stack?.close();
  });

  it('the same version PUT on two replicas at once: one winner, one 409, the tag holds the winner', async () => {
    const trials = faultTrials(2, 10);
    let winners = 0;
    for (let i = 0; i < trials; i++) {
      const version = `1.${i}.0`;
      const [pa, pb] = await Promise.all([moduleArchive(`a${i}`), moduleArchive(`b${i}`)]);
      const answers = await Promise.all([put(a, version, pa), put(b, version, pb)]);
      const ok = answers.filter((x) => x.status >= 200 && x.status < 300);
      const refused = answers.filter((x) => x.status === 409);
      assert.equal(
        ok.length,
        1,
        `race ${i}: exactly one success: ${JSON.stringify(answers.map((x) => x.status))} ${JSON.stringify(answers)}`,
      );
      assert.equal(refused.length, 1, `race ${i}: the other one 409`);
      assert.match(JSON.stringify(refused[0]!.body), /being published|already has version/);
      const served = await a.client.call('GET', `/api/v1/modules/${MODULE}/versions/${version}`);
      assert.equal(served.status, 200, JSON.stringify(served.body));
      assert.equal(
        served.body.data.attributes['manifest-digest'],
        ok[0]!.body.data.attributes['manifest-digest'],
        `race ${i}: the tag holds the winner`,
      );
      winners++;
    }
    assert.equal(winners, trials);
    assert.deepEqual(await workDirs(spool), [], 'no work directory left');
  });

  it('an upload whose server is killed reads failed with the reason after its lease; swept; the retry works', async () => {
    const archive = await moduleArchive('killed', 1_500_000);
    let go!: () => void;
    const held = heldBody(archive, 600_000, new Promise<void>((r) => (go = r)));
    const cut = put(a, '2.0.0', held);
    await waitFor(async () => (await workDirs(spool)).length > 0, 60_000, 'the upload spooling to its work directory');
    await a.kill();
    go();
    assert.equal((await cut).status, 0, 'the client lost its server');
    const leaked = await workDirs(spool);
    assert.ok(leaked.length > 0, 'the killed server left its work directory');

    // While the lease holds, the version is being uploaded (it might be running): another PUT is 409.
    const early = await put(b, '2.0.0', await moduleArchive('early'));
    if (early.status !== 409) {
      // The lease may already have ended on a loaded machine; then the PUT took over and published.
      assert.ok(early.status < 300, JSON.stringify(early));
      return;
    }
    assert.match(JSON.stringify(early.body), /lease runs until/);

    await sleep(LEASE_S * 1000 + 1500);
    const read = await b.client.call('GET', `/api/v1/modules/${MODULE}/versions/2.0.0`);
    assert.equal(read.status, 404, JSON.stringify(read.body));
    assert.match(JSON.stringify(read.body), /last upload failed: the upload of version 2\.0\.0 stopped before it finished.*lease/);

    a = await startServe(stack, ENV); // its start sweep takes the stale work directory
    await waitFor(async () => (await workDirs(spool)).length === 0, 20_000, `the start sweep removed ${leaked.join(', ')}`);
    const again = await put(a, '2.0.0', archive);
    assert.ok(again.status >= 200 && again.status < 300, JSON.stringify(again));
    const served = await b.client.call('GET', `/api/v1/modules/${MODULE}/versions/2.0.0`);
    assert.equal(served.status, 200, JSON.stringify(served.body));
    assert.deepEqual(await workDirs(spool), []);
  });
});
