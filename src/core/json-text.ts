// A value already serialized as JSON, for a field of a log line that many requests share (a usage event):
// the access line (src/http/pipeline/request-log.ts) splices its text as it is, so the value is serialized
// once instead of once per request.
export class JsonText {
  /** `text`: the JSON serialization of one value (JSON.stringify's output). */
  constructor(readonly text: string) {}
}

/**
 * Members of a JSON object already serialized, as a log line splices them after its own members: the text
 * `,"k1":v1,"k2":v2` (empty for no member). A field set many requests share (a usage event) is written once.
 */
export class JsonMembers {
  /** `text`: each member as `,<JSON key>:<JSON value>`, in order. */
  constructor(readonly text: string) {}

  /** The members of `fields` as JSON.stringify writes them (undefined values left out). */
  static of(fields: Readonly<Record<string, unknown>>): JsonMembers {
    let text = '';
    for (const key in fields) text += jsonMember(key, fields[key]);
    return new JsonMembers(text);
  }
}

/** `,"key":value` of one member; '' for a value JSON leaves out (undefined, a function); JsonText spliced. */
export function jsonMember(key: string, value: unknown): string {
  if (value instanceof JsonText) return `,${JSON.stringify(key)}:${value.text}`;
  const json = JSON.stringify(value);
  return json === undefined ? '' : `,${JSON.stringify(key)}:${json}`;
}
