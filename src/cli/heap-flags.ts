// The node flags every serving process starts with (given where node is started: bin/tf-oci-registry.js's
// first line, the Docker image's ENTRYPOINT, `npm start`, the benchmark's server and its Node floors;
// test/docker and src/cli/heap-flags.test.ts check each). Both keep V8 from collecting the whole heap over
// and over on a server whose live heap is small (about 25 MB); docs/operations.md, "Garbage collection".
// They must be given when node starts: set at run time (v8.setFlagsFromString) they change nothing, the
// heap being configured before any code runs.
//
// --no-memory-reducer: the memory reducer shrinks the heap of a process that looks idle: it runs a full
// mark-compact with "reduce memory" and sets the old generation's limit just above what is live. A server
// looks idle to it for a moment between two bursts of requests. Once it had run (about 100 s into every
// benchmark, in the gap between two loads), the limit sat so close to the live heap (21 MB) that the server
// ran a full mark-compact every 2.3 to 2.8 s under load (5 to 15 ms pauses, plus incremental marking) where
// it had run none in the 100 s before, and the 99th percentile of warm metadata requests went from 3.5-5 ms
// to 8-10 ms (bench/findings.md, "Warm metadata, round 3").
//
// --initial-old-space-size=96: V8 counts the buffers allocated since the last mark-compact (socket reads,
// gunzip output: memory outside its heap that the next scavenge mostly frees) against the old generation's
// limit, which on a 25 MB heap is about 47 MB. A publish streaming 60-75 MB/s therefore started a full
// marking every 10 MB received: 54 mark-compacts for 512 MB, with V8's helper threads marking 30 % of the
// server's CPU, and 12.2 CPU-seconds per GB. With the limit starting at 96 MB the same publish ran none
// (80: 2; 128: none, 7.2-7.5 CPU-s per GB). It is where the limit starts, not a cap: a heap that really
// grows gets its limit raised as before. The price is garbage held longer under load (the benchmark
// suite's peak RSS 263 MB, against 241 in the last run without the flag and 297 with 128; idle RSS the
// same), hence the smallest value that does the job (bench/findings.md, "Publish: the heap limit").

/** The node flags, in the order given on each command line that starts a server. */
export const SERVE_NODE_FLAGS = ['--no-memory-reducer', '--initial-old-space-size=96'] as const;

/** The flags of SERVE_NODE_FLAGS this process was started without (empty when all were given). */
export function missingHeapFlags(execArgv: readonly string[] = process.execArgv): string[] {
  return SERVE_NODE_FLAGS.filter((flag) => !execArgv.includes(flag));
}
