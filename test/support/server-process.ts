// Runs the real tf-oci-registry server as a child process (`node --import tsx src/main.ts serve`),
// configured only through TF_OCI_REGISTRY_* environment variables, exactly as an operator would run
// it. Waits for /healthz, keeps its log lines for the test to search, and stops it.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { Agent, request } from 'undici';
import { freePort } from './distribution.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface ServerProcess {
  url: string;
  port: number;
  /** The server's process id (under server.workers: the primary's). */
  pid: number;
  logs: string[];
  /** Sends a signal to the server process (SIGTERM, SIGINT, ...). */
  signal(name: NodeJS.Signals): void;
  /** Resolves with the exit code (or the signal) once the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(): Promise<void>;
}

export interface ServerProcessOptions {
  /** TF_OCI_REGISTRY_* variables (without the listen/public URL, which are set here unless given). */
  env: Record<string, string>;
  /** PEM of the CA that signed the server certificate, to poll /healthz over https. */
  ca?: string;
  https?: boolean;
  /** Extra node flags before the script (e.g. --cpu-prof, which NODE_OPTIONS refuses). */
  nodeArgs?: string[];
}

export async function startServerProcess(opts: ServerProcessOptions): Promise<ServerProcess> {
  const port = await freePort();
  const scheme = opts.https === false ? 'http' : 'https';
  const url = `${scheme}://localhost:${port}`;
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/tmp',
    TF_OCI_REGISTRY_SERVER_LISTEN: `127.0.0.1:${port}`,
    TF_OCI_REGISTRY_SERVER_PUBLIC_URL: url,
    TF_OCI_REGISTRY_LOG_LEVEL: 'info',
    ...opts.env,
  };
  const child: ChildProcess = spawn(process.execPath, [...(opts.nodeArgs ?? []), '--import', 'tsx', 'src/main.ts', 'serve'], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: string[] = [];
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  child.stdout!.on('data', (d: Buffer) => logs.push(d.toString()));
  child.stderr!.on('data', (d: Buffer) => logs.push(d.toString()));
  const dispatcher = new Agent({ connect: opts.ca ? { ca: opts.ca } : {} });
  // Generous: on a loaded machine (a podman image build beside the suite) tsx may need well over 30 s.
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${logs.join('')}`);
    try {
      const res = await request(`${url}/healthz`, { dispatcher });
      await res.body.text();
      if (res.statusCode === 200) break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server did not answer /healthz within 120 s:\n${logs.join('')}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  await dispatcher.close();
  return {
    url,
    port,
    pid: child.pid!,
    logs,
    signal: (name) => void child.kill(name),
    exited,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await once(child, 'exit');
      clearTimeout(timer);
    },
  };
}
