// The measurements behind the capacity model of docs/operations.md#capacity-model, on the replicas
// deployment of docs/operations.md#replicas: the real Distribution registry (access log on), three server
// processes behind the documented nginx configuration, the real terraform.
//   1. registry requests per `terraform init` (one provider version, 3 platforms; counted in the
//      registry's access log): cold replicas, warm, and after cache.tags_ttl;
//   2. memory per 1,000 versions: the content cache (tfoci_content_cache_bytes) and the heap / RSS growth
//      of one replica listing a provider with N versions (providers.v1 versions + mirror index.json);
//   3. requests per core: wrk -c64 on warm metadata, straight to one replica and through nginx to three,
//      as CPU µs per request of the replicas (/proc/<pid>/stat), i.e. 1e6 / µs = requests per core-second.
// Run: TF_OCI_TERRAFORM=/path/to/terraform node --import tsx test/replicas/capacity.ts [--quick]
// (quick: 100 versions and 2 s wrk runs; test/replicas/capacity.test.ts runs it so). Prints Markdown.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Agent, request } from 'undici';
import { createBenchSigner, pushProviderVersions, pushSharedTinyZips, THREE_PLATFORMS, versionList } from '../../bench/lib/fixtures.js';
import { procCpuMs, procStatusKiB, stopAll } from '../../bench/lib/processes.js';
import { type BenchRegistry, fmtCount, startBenchRegistry } from '../../bench/lib/registry.js';
import { type ServerProcess, startServer } from '../../bench/lib/server.js';
import { runWrk } from '../../bench/lib/wrk.js';
import { createRegistryStore } from '../../src/oci/remote/registry-store.js';
import { providerRepository } from '../../src/layout/names.js';
import { buildReleases, hostBlock, mainTf, NAMESPACE, TYPE } from '../e2e/fixtures.js';
import { REGISTRY_HOST } from '../e2e/stack.js';
import { runCli } from '../support/cli.js';
import { freePort } from '../support/distribution.js';
import { requireTerraform, terraformWorkspace } from '../support/terraform.js';
import { createTestTls } from '../support/tls.js';
import { startLoadBalancer } from './load-balancer.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SECRET = 'capacity-download-secret-0123456789abcdef';
const UA = 'tf-oci-registry';

/** One Prometheus sample (first series matching name and, if given, a label fragment). */
async function metric(server: ServerProcess, name: string, labels = ''): Promise<number> {
  const res = await request(`${server.url}/metrics`);
  const text = await res.body.text();
  for (const line of text.split('\n')) {
    if (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) {
      if (labels && !line.includes(labels)) continue;
      return Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  throw new Error(`no ${name}${labels} in /metrics of ${server.url}`);
}

async function get(url: string): Promise<void> {
  const res = await request(url);
  const body = await res.body.text();
  if (res.statusCode !== 200) throw new Error(`GET ${url}: ${res.statusCode} ${body.slice(0, 300)}`);
}

export async function measureCapacity(quick: boolean, log: (m: string) => void = (m) => process.stderr.write(`${m}\n`)): Promise<string> {
  const terraform = requireTerraform();
  const versions = quick ? 100 : 1000;
  const wrkSeconds = quick ? 2 : 10;
  const tmp = await mkdtemp(join(tmpdir(), 'tfoci-capacity-'));
  const tls = await createTestTls();
  const out: string[] = [];
  try {
    const registry: BenchRegistry = await startBenchRegistry(join(tmp, 'registry'));
    const pushStore = createRegistryStore({
      url: registry.url,
      plainHttp: true,
      userAgent: 'tf-oci-capacity-push',
      dispatcher: new Agent({ connections: 32 }),
    });
    const signer = await createBenchSigner();
    for (const [type, n] of [
      ['cap20', 20],
      [`cap${versions}`, versions],
    ] as const) {
      log(`capacity: pushing ${n} versions × 3 platforms of acme/${type}`);
      const repository = providerRepository('', REGISTRY_HOST, NAMESPACE, type);
      const zips = await pushSharedTinyZips(pushStore, repository, type, THREE_PLATFORMS);
      await pushProviderVersions(pushStore, signer, { repository, type, versions: versionList(n), platforms: THREE_PLATFORMS, zips });
    }

    const lbPort = await freePort();
    let serverNo = 0;
    /** A server process; `behindLb`: its public URL is the load balancer's. */
    const start = async (behindLb = true) => {
      const logDir = join(tmp, `server-${++serverNo}`);
      await mkdir(logDir, { recursive: true });
      return startServer({
        root: ROOT,
        registryUrl: registry.url,
        logDir,
        env: {
          ...(behindLb ? { TF_OCI_REGISTRY_SERVER_PUBLIC_URL: `https://localhost:${lbPort}` } : {}),
          TF_OCI_REGISTRY_SERVER_REGISTRY_HOSTNAME: REGISTRY_HOST,
          TF_OCI_REGISTRY_SERVER_SECRETS: SECRET,
          TF_OCI_REGISTRY_SERVER_DOWNLOAD_URL_TTL: '300',
          TF_OCI_REGISTRY_METRICS_ENABLED: 'true',
        },
      });
    };

    // The provider terraform installs, published through a server that is then stopped: the three
    // replicas start with empty caches.
    log('capacity: building and publishing the terraform test provider');
    const releases = await buildReleases(['1.0.0']);
    const publisher = await start(false);
    const keyFile = join(tmp, 'key.asc');
    await writeFile(keyFile, releases.signer.publicKeyArmored);
    const published = await runCli(['publish', releases.byVersion['1.0.0']!.outDir, '--namespace', NAMESPACE, '--key', keyFile], {
      TF_OCI_REGISTRY_URL: publisher.url,
    });
    if (published.code !== 0) throw new Error(`tf-oci-registry publish failed:\n${published.stdout}${published.stderr}`);
    await publisher.stop();

    const replicas = [await start(), await start(), await start()];
    const lb = await startLoadBalancer({
      dir: join(tmp, 'nginx'),
      port: lbPort,
      replicas: replicas.map((r) => new URL(r.url).host),
      certPath: tls.certPath,
      keyPath: tls.keyPath,
      ca: tls.ca,
    });

    // 1. Registry requests per terraform init.
    const address = `${REGISTRY_HOST}/${NAMESPACE}/${TYPE}`;
    const init = async (label: string) => {
      const ws = await terraformWorkspace({
        terraform,
        cliConfig: hostBlock(REGISTRY_HOST, lb.url),
        files: mainTf(address, '1.0.0'),
        env: { SSL_CERT_FILE: tls.caPath },
      });
      try {
        const mark = registry.mark();
        const lbMark = (await lb.accessLog()).length;
        await ws.runOk(['init', '-input=false']);
        const count = registry.countSince(mark, UA);
        const lbRequests = (await lb.accessLog()).length - lbMark;
        log(`capacity: init ${label}: ${fmtCount(count)}`);
        return `| ${label} | ${lbRequests} | ${fmtCount(count)} |`;
      } finally {
        await ws.cleanup();
      }
    };
    const initRows = [await init('first, replicas cold'), await init('again at once (warm)')];
    log('capacity: waiting past cache.tags_ttl (10 s)');
    await new Promise((r) => setTimeout(r, 11_000));
    initRows.push(await init('again after cache.tags_ttl'));
    out.push(
      '**Registry requests per `terraform init`** (1 provider version, 3 platforms, 1 installed; three replicas behind nginx)',
      '',
      '| init | requests terraform sent (through nginx) | registry requests by the replicas |',
      '|---|---|---|',
      ...initRows,
      '',
    );

    // 2. Memory per N versions, on replica 1.
    const r1 = replicas[0]!;
    const type = `cap${versions}`;
    await get(`${r1.url}/v1/providers/${NAMESPACE}/cap20/versions`);
    const before = {
      cache: await metric(r1, 'tfoci_content_cache_bytes', 'store="main"'),
      heap: await metric(r1, 'tfoci_nodejs_heap_size_used_bytes'),
      rssKiB: procStatusKiB(r1.pid, 'VmRSS'),
    };
    const mark = registry.mark();
    await get(`${r1.url}/v1/providers/${NAMESPACE}/${type}/versions`);
    const listingRequests = registry.countSince(mark, UA);
    await get(`${r1.url}/mirror/${REGISTRY_HOST}/${NAMESPACE}/${type}/index.json`);
    const afterM = {
      cache: await metric(r1, 'tfoci_content_cache_bytes', 'store="main"'),
      heap: await metric(r1, 'tfoci_nodejs_heap_size_used_bytes'),
      rssKiB: procStatusKiB(r1.pid, 'VmRSS'),
    };
    const per1000 = (x: number) => ((x * 1000) / versions / 1024 / 1024).toFixed(1);
    out.push(
      `**Memory for a provider with ${versions} versions × 3 platforms** (one replica; providers.v1 versions + mirror index.json)`,
      '',
      '| what | growth | per 1,000 versions |',
      '|---|---|---|',
      `| content cache (tfoci_content_cache_bytes) | ${((afterM.cache - before.cache) / 1024).toFixed(0)} KiB | ${per1000(afterM.cache - before.cache)} MiB |`,
      `| heap used (no forced GC: an upper bound) | ${((afterM.heap - before.heap) / 1024).toFixed(0)} KiB | ${per1000(afterM.heap - before.heap)} MiB |`,
      `| RSS | ${((afterM.rssKiB - before.rssKiB) / 1024).toFixed(1)} MiB | ${per1000((afterM.rssKiB - before.rssKiB) * 1024)} MiB |`,
      `| registry requests of the first listing | ${fmtCount(listingRequests)} | |`,
      `| idle RSS of a replica at start | ${(r1.idleRssKiB / 1024).toFixed(0)} MiB | |`,
      '',
    );

    // 3. Requests per core on warm metadata.
    const rows: string[] = [];
    const paths = [
      ['providers.v1 versions (20 versions)', `/v1/providers/${NAMESPACE}/cap20/versions`],
      ['providers.v1 download (signed URL)', `/v1/providers/${NAMESPACE}/cap20/1.0.19/download/linux/amd64`],
    ] as const;
    for (const [label, path] of paths) {
      for (const r of replicas) await get(`${r.url}${path}`);
      // Warm-up (JIT), then the measured run: one replica directly.
      await runWrk({ url: `${r1.url}${path}`, connections: 64, threads: 1, durationS: 1 });
      const direct = await runWrk({ url: `${r1.url}${path}`, connections: 64, threads: 1, durationS: wrkSeconds, serverPid: r1.pid });
      // Through nginx (TLS) to the three replicas: CPU of all replicas (and of nginx) per request.
      const cpu0 = replicas.map((r) => procCpuMs(r.pid));
      const nginx0 = procCpuMs(lb.pid);
      const viaLb = await runWrk({ url: `${lb.url}${path}`, connections: 64, threads: 1, durationS: wrkSeconds });
      const replicaUs = (replicas.reduce((sum, r, i) => sum + procCpuMs(r.pid) - cpu0[i]!, 0) * 1000) / viaLb.requests;
      const nginxUs = ((procCpuMs(lb.pid) - nginx0) * 1000) / viaLb.requests;
      rows.push(
        `| ${label} | ${direct.cpuUsPerRequest.toFixed(0)} µs → ${(1e6 / direct.cpuUsPerRequest / 1000).toFixed(1)} k | ${Math.round(direct.rps)} | ` +
          `${replicaUs.toFixed(0)} µs → ${(1e6 / replicaUs / 1000).toFixed(1)} k | ${nginxUs.toFixed(0)} µs | ${Math.round(viaLb.rps)} |`,
      );
      log(`capacity: ${label}: ${rows.at(-1)}`);
    }
    out.push(
      `**Requests per core, warm metadata** (wrk -t1 -c64, ${wrkSeconds} s; CPU time per request from /proc; 2 shared cores, so req/s is what was left to us, CPU µs per request is the steady figure)`,
      '',
      '| endpoint | one replica: CPU per request → requests per core-second | its req/s | 3 replicas via nginx (TLS): replicas CPU per request → per core-second | nginx CPU per request | req/s via nginx |',
      '|---|---|---|---|---|---|',
      ...rows,
      '',
    );
    await lb.stop();
    for (const r of replicas) await r.stop();
    await registry.stop();
    await releases.signer.cleanup();
    out.push(
      `Machine: ${cpus().length} cores, load average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' / ')} (1 / 5 / 15 min) at the end.`,
    );
    return out.join('\n');
  } finally {
    await stopAll();
    await tls.cleanup();
    await rm(tmp, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  measureCapacity(process.argv.includes('--quick')).then(
    (report) => {
      process.stdout.write(`${report}\n`);
      process.exit(0);
    },
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
