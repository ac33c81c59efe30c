// Runs `tf-oci-registry publish`: the server URL and token from the options or the environment, the
// provider or module publish of src/publish-client/ with progress on stderr, the result on stdout, and the exit code:
// 0 published or already published, 1 refused by the server (its named errors printed) or a conflict,
// 2 bad usage (including a server that wants a token when none was given).
import { type ProxySettings, proxySettingsFromEnv } from '../oci/proxy.js';
import { createApiClient } from '../publish-client/api-client.js';
import { ApiError, PublishError } from '../publish-client/api-error.js';
import { publishModule } from '../publish-client/publish-module.js';
import { publishProvider, type PublishMode } from '../publish-client/publish-provider.js';
import { UsageError } from './errors.js';
import { publishProgress, type ProgressStream } from './publish-progress.js';
import { apiErrorReport, moduleReport, providerReport } from './publish-report.js';

export interface PublishCliOptions {
  namespace: string;
  key?: string;
  url?: string;
  token?: string;
  provider?: string;
  version?: string;
  module?: string;
  draft?: boolean;
  finish?: boolean;
}

export interface PublishIo {
  stdout: { write(text: string): unknown };
  stderr: ProgressStream;
}

const quote = (s: string): string => (/^[A-Za-z0-9_./:=@%+-]+$/.test(s) ? s : `'${s.replaceAll("'", "'\\''")}'`);

export async function runPublish(dir: string | undefined, o: PublishCliOptions, env: NodeJS.ProcessEnv, io: PublishIo): Promise<number> {
  const url = o.url ?? env.TF_OCI_REGISTRY_URL;
  const token = o.token ?? env.TF_OCI_REGISTRY_TOKEN;
  if (!url) throw new UsageError('no server URL: pass --url URL or set TF_OCI_REGISTRY_URL (e.g. https://registry.example.com)');
  if (o.draft && o.finish) throw new UsageError('give --draft or --finish, not both');
  if (o.module !== undefined) {
    if (dir === undefined) throw new UsageError('--module: name the module directory, .zip or .tar.gz');
    if (o.version === undefined) throw new UsageError('--module: give the version to publish with --version, e.g. --version 1.2.0');
    if (o.draft || o.finish || o.key !== undefined || o.provider !== undefined)
      throw new UsageError('--module: --draft, --finish, --key and --provider are for providers');
  }
  const mode: PublishMode = o.draft ? 'draft' : o.finish ? 'finish' : 'publish';
  let proxy: ProxySettings;
  try {
    proxy = proxySettingsFromEnv(env);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }

  const progress = publishProgress(io.stderr);
  let client: ReturnType<typeof createApiClient> | undefined;
  try {
    client = createApiClient({ url, ...(token ? { token } : {}), proxy });
    if (o.module !== undefined) {
      const published = await publishModule(
        client,
        { path: dir as string, namespace: o.namespace, module: o.module, version: o.version as string },
        progress,
      );
      io.stdout.write(moduleReport(published));
      return 0;
    }
    const result = await publishProvider(
      client,
      {
        ...(dir !== undefined ? { dir } : {}),
        namespace: o.namespace,
        ...(o.key !== undefined ? { keyFile: o.key } : {}),
        ...(o.provider !== undefined ? { type: o.provider } : {}),
        ...(o.version !== undefined ? { version: o.version } : {}),
        mode,
      },
      progress,
    );
    for (const w of result.warnings) io.stderr.write(`warning: ${w}\n`);
    const finish = `tf-oci-registry publish ${dir !== undefined ? `${quote(dir)} ` : ''}--namespace ${quote(result.namespace)} --finish`;
    io.stdout.write(providerReport(result, finish));
    return 0;
  } catch (err) {
    progress.stop();
    if (err instanceof ApiError) {
      io.stderr.write(apiErrorReport(err));
      if (err.status === 401 && !token) {
        io.stderr.write('error: the server wants an API token: pass --token TOKEN or set TF_OCI_REGISTRY_TOKEN\n');
        return 2;
      }
      return 1;
    }
    if (err instanceof PublishError) {
      io.stderr.write(`error: ${err.message}\n`);
      return err.usage ? 2 : 1;
    }
    // A local file that became unreadable, a stream cut: say what failed (not as a configuration error).
    io.stderr.write(`error: ${(err as Error).message}\n`);
    return 1;
  } finally {
    await client?.close();
  }
}
