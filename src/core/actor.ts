// Who did something, for the "published by" / "uploaded by" fields of the publish records (docs/web.md#published-by):
// the API token's name in service mode, the registry user name in delegate mode. Never a secret: a
// delegated bearer token without a user name, an anonymous caller and auth.mode = none name nobody (null).
import type { Caller } from './caller.js';

const TOKEN_LABEL = 'token:';

/** The name to record for what `caller` publishes or uploads, or null when the caller has no name. */
export function actorName(caller: Caller): string | null {
  if (caller.label?.startsWith(TOKEN_LABEL)) return caller.label.slice(TOKEN_LABEL.length);
  const user = caller.credential?.username;
  return user !== undefined && user !== '' ? user : null;
}
