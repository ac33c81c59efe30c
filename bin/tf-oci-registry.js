#!/usr/bin/env -S node --no-memory-reducer --initial-old-space-size=96
// Entry point of the `tf-oci-registry` command: runs the compiled CLI when built, else the TypeScript sources through tsx.
// node starts with the heap flags of src/cli/heap-flags.ts; `env -S` splits the first line's words.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

// `tf-oci-registry mirror --help | head`: a closed pipe ends the output quietly, as for other CLIs.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const built = join(root, 'dist', 'cli', 'run-cli.js');
let cli;
if (existsSync(built)) {
  cli = await import(pathToFileURL(built).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  cli = await import(pathToFileURL(join(root, 'src', 'cli', 'run-cli.ts')).href);
}
process.exitCode = await cli.runCli(process.argv.slice(2), process.env);
