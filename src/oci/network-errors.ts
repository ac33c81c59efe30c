// How a failed HTTP call names its cause (undici and Node put the code on the error or on a cause), and
// which codes mean "timed out". Shared by the registry client (oci/remote/) and the provider-registry
// client (src/upstream/http-client.ts) so both classify a failure alike.
export const TIMEOUT_CODES: ReadonlySet<string> = new Set([
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'ETIMEDOUT',
]);

/** The first `code` string on the error or along its `cause` chain. */
export function errorCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  const cause = (err as { cause?: unknown }).cause;
  return cause === undefined ? undefined : errorCode(cause);
}
