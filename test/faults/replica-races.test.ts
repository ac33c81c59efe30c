// Issue 17 item 3: two replicas (two real `serve` processes on one real Distribution registry) racing.
//  - The same single-use upload URL sent to both at once with two different valid releases: exactly one
//    200 and one 409, and the API record describes the release that is served (before: both 200 in 6 of
//    20 races, and the record described the release that was NOT served in 2 of 20).
//  - The same version created on both at once: one 201 and one 409 (before: 201 on both, 20 of 20).
// Races: FAULT_TRIALS (default 3 under CI, 20 locally). The claim that decides is core/store-claim.ts.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DOCKER_REGISTRY_BIN, requireTool } from '../support/distribution.js';
import {
  detailOf,
  faultTrials,
  generatePgpKey,
  type PublishFaultStack,
  releaseTarball,
  type ServeProcess,
  startPublishFaultStack,
  startServe,
  uploadUrlOf,
} from './publish-kit.js';

const tools = requireTool(DOCKER_REGISTRY_BIN, 'zip');
const RACES = faultTrials(3, 20);

describe(`two replicas racing (${RACES} races each)`, { skip: tools.skip ?? false }, () => {
  let stack: PublishFaultStack;
  let a: ServeProcess;
  let b: ServeProcess;
  let key: Awaited<ReturnType<typeof generatePgpKey>>;
  let ids: { providerId: string; keyId: string };

  before(async () => {
    stack = await startPublishFaultStack();
    [a, b] = await Promise.all([startServe(stack), startServe(stack)]);
    key = await generatePgpKey();
    ids = await a.client.setup('acme', 'widget', key);
  });
  after(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await stack?.close();
  });

  it('creating the same version on both replicas at once: one 201, one 409', async () => {
    const violations: string[] = [];
    for (let i = 0; i < RACES; i++) {
      const version = `1.0.${i}`;
      const answers = await Promise.all([a.client.createVersion(ids, version), b.client.createVersion(ids, version)]);
      const statuses = answers.map((x) => x.status).sort();
      if (statuses.join() !== '201,409') violations.push(`${version}: ${answers.map((x) => `${x.status} ${detailOf(x)}`).join('; ')}`);
    }
    assert.deepEqual(violations, [], `${violations.length} of ${RACES} races broke the rule`);
  });

  it('one upload URL sent to both replicas with two different releases: one 200, one 409, the record is what is served', async () => {
    const violations: string[] = [];
    for (let i = 0; i < RACES; i++) {
      const version = `2.0.${i}`;
      const created = await a.client.createVersion(ids, version);
      assert.equal(created.status, 201, detailOf(created));
      const id = created.body.data.id as string;
      const url = uploadUrlOf(created);
      const [t1, t2] = await Promise.all(
        ['one', 'two'].map((salt) => releaseTarball(key, { type: 'widget', version, platforms: ['linux_amd64'], zipBytes: 200_000, salt })),
      );
      const answers = await Promise.all([a.client.put(url, t1!), b.client.put(url, t2!)]);
      const statuses = answers.map((x) => x.status).sort();
      if (statuses.join() !== '200,409') {
        violations.push(`${version}: ${answers.map((x) => `${x.status} ${detailOf(x)}`).join('; ')}`);
        continue;
      }
      const winner = answers.find((x) => x.status === 200)!;
      const told = winner.body.data.attributes.platforms[0].shasum as string;
      const record = (await b.client.getVersion(id)).body.data.attributes;
      const served = await a.client.call('GET', `/v1/providers/acme/widget/${version}/download/linux/amd64`);
      if (
        served.status !== 200 ||
        record.status !== 'uploaded' ||
        record.platforms[0].shasum !== served.body.shasum ||
        told !== served.body.shasum
      )
        violations.push(
          `${version}: told ${told}, record ${record.status} ${record.platforms[0]?.shasum}, served ${served.status} ${served.body?.shasum}`,
        );
    }
    assert.deepEqual(violations, [], `${violations.length} of ${RACES} races broke the rule`);
  });
});
