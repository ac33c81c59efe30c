// Where the registry implementations the project tests against differ (docs/registries.md, "Measured"):
// each installed implementation is started and probed with plain HTTP (test/compat/probes.ts), and its
// facts must equal the documented row, so the table cannot drift from what the registries do. Then what
// tf-oci-registry does about the differences that matter: listing more tags than one page holds works on
// each (Link header, `last` continuation, or everything at once).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Agent } from 'undici';
import { createRegistryStore } from '../../src/oci/remote/registry-store.js';
import { MEDIA_TYPE_IMAGE_MANIFEST } from '../../src/oci/types.js';
import { startDistribution, type Distribution } from '../support/distribution.js';
import {
  REGISTRY_IMPLEMENTATIONS,
  type RegistryImplementation,
  registryTraits,
  requireRegistry,
} from '../support/registry-implementations.js';
import { probeRegistry, type RegistryFacts } from './probes.js';

/** The documented behaviour of each implementation (docs/registries.md keeps the same table). */
const EXPECTED: Record<RegistryImplementation, RegistryFacts> = {
  'distribution-2.8': {
    catalog: true,
    referrers: 404,
    tagPage: { count: 3, link: false },
    tagsSorted: false,
    deleteTag: 400,
    digestDeleteDropsTags: true,
    refusesDanglingReferences: true,
    mount: 201,
    blobsGlobal: false,
    keepsArtifactType: true,
    blobServedDirectly: true,
  },
  'distribution-3': {
    catalog: true,
    referrers: 404,
    tagPage: { count: 2, link: true },
    tagsSorted: true,
    deleteTag: 202,
    digestDeleteDropsTags: true,
    refusesDanglingReferences: true,
    mount: 201,
    blobsGlobal: false,
    keepsArtifactType: true,
    blobServedDirectly: true,
  },
  crane: {
    catalog: true,
    referrers: 404,
    tagPage: { count: 2, link: false },
    tagsSorted: true,
    deleteTag: 202,
    digestDeleteDropsTags: false,
    refusesDanglingReferences: false,
    mount: 202,
    blobsGlobal: true,
    keepsArtifactType: true,
    blobServedDirectly: true,
  },
};

const MANY_TAGS = 1005;

for (const implementation of REGISTRY_IMPLEMENTATIONS) {
  describe(`registry differences: ${registryTraits(implementation).label}`, requireRegistry([], implementation), () => {
    let reg: Distribution;
    let dispatcher: Agent;
    before(async () => {
      reg = await startDistribution({ implementation });
      dispatcher = new Agent({ keepAliveTimeout: 10_000 });
    });
    after(async () => {
      await dispatcher?.close();
      await reg?.stop();
    });

    it('behaves as docs/registries.md says', async () => {
      assert.deepEqual(await probeRegistry(reg.url), EXPECTED[implementation]);
    });

    it(`tf-oci-registry lists all ${MANY_TAGS} tags of a repository (more than one page of 1000)`, async () => {
      const store = createRegistryStore({ url: reg.url, plainHttp: true, dispatcher, timeoutMs: 30_000 });
      const repo = 'many/tags';
      const config = await store.pushBlob(repo, Buffer.from('{}'));
      const body = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: MEDIA_TYPE_IMAGE_MANIFEST,
          config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: config.digest, size: 2 },
          layers: [],
        }),
      );
      const tags = Array.from({ length: MANY_TAGS }, (_, i) => `1.0.${i}`);
      for (let i = 0; i < tags.length; i += 25) {
        await Promise.all(tags.slice(i, i + 25).map((t) => store.pushManifest(repo, t, body, MEDIA_TYPE_IMAGE_MANIFEST)));
      }
      const listed = await store.listTags(repo);
      assert.equal(listed.length, MANY_TAGS);
      assert.deepEqual([...listed].sort(), [...tags].sort());
    });
  });
}
