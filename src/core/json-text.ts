// A value already serialized as JSON, for a field of a log line that many requests share (a usage event):
// the access line (src/http/pipeline/request-log.ts) splices its text as it is, so the value is serialized
// once instead of once per request.
export class JsonText {
  /** `text`: the JSON serialization of one value (JSON.stringify's output). */
  constructor(readonly text: string) {}
}
