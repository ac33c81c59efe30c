// tar-stream entries are streamx streams, not Node streams. Node's stream.pipeline() treats them as
// "legacy" streams and waits for an 'end', 'close' or 'error' event; an entry that was already destroyed
// (the tarball's pipeline failed, e.g. at a size limit, while the consumer was still getting ready) never
// emits one again, and the pipeline waits forever. Their async iterator does report that state (it throws
// "Stream was destroyed"), so entries reach pipeline() as plain async iterables.

/** The chunks of a tar-stream entry (or any async iterable of buffers), as an async generator for pipeline(). */
export async function* entryChunks(entry: AsyncIterable<unknown>): AsyncGenerator<Buffer> {
  for await (const chunk of entry) yield chunk as Buffer;
}
