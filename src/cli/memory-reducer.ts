// V8's memory reducer is off in every process that serves (the node flag --no-memory-reducer, given where
// node is started: bin/tf-oci-registry.js's first line, the Docker image's ENTRYPOINT, `npm start`, the
// benchmark's server; test/docker and src/cli/memory-reducer.test.ts check each), so a server under
// steady load keeps its heap limit instead of collecting the whole heap every two or three seconds
// (bench/findings.md, "Warm metadata, round 3").
//
// The memory reducer shrinks the heap of a process that looks idle: it runs a full mark-compact with
// "reduce memory" and sets the old generation's limit just above what is live. A server looks idle to it
// for a moment between two bursts of requests. Once it had run (about 100 s into every benchmark, in the
// gap between two loads), the limit sat so close to the live heap (21 MB) that the server ran a full
// mark-compact every 2.3 to 2.8 s under load (5 to 15 ms pauses, plus incremental marking) where it had
// run none in the 100 s before, and the 99th percentile of warm metadata requests went from 3.5-5 ms to
// 8-10 ms. The flag must be given when node starts: set at run time (v8.setFlagsFromString) it changed
// nothing, the reducer being made with the heap.

/** The node flag, as given on each command line that starts a server. */
export const NO_MEMORY_REDUCER = '--no-memory-reducer';

/** True when this process was started without the memory reducer. */
export function memoryReducerOff(execArgv: readonly string[] = process.execArgv): boolean {
  return execArgv.includes(NO_MEMORY_REDUCER);
}
