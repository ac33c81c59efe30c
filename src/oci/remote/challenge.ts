// Parser for the HTTP `WWW-Authenticate` header (RFC 7235 section 4.1): one or more challenges, each
// an auth-scheme followed by either a token68 or a comma-separated list of auth-params whose values
// are tokens or quoted-strings (RFC 7230 section 3.2.6, with backslash quoted-pairs). Registries put
// commas and spaces inside quoted values, e.g. scope="repository:a:pull,push repository:b:pull", so a
// split on commas is not enough.
// Reference: https://www.rfc-editor.org/rfc/rfc7235#section-4.1

/** One parsed challenge. Scheme and parameter names are lower-cased (they are case-insensitive). */
export interface Challenge {
  scheme: string;
  params: Record<string, string>;
  /** The token68 form (`Negotiate abc==`), when used instead of parameters. */
  token68?: string;
}

// tchar (RFC 7230) plus "/" so that a token68 (which may contain "/") reads as one word.
const WORD_CHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z/]/;
const WHITESPACE = new Set([' ', '\t']);

function isWordChar(c: string | undefined): boolean {
  return c !== undefined && WORD_CHAR.test(c);
}

function skipWhitespace(s: string, i: number): number {
  while (i < s.length && WHITESPACE.has(s[i] ?? '')) i++;
  return i;
}

function readWord(s: string, i: number): number {
  while (isWordChar(s[i])) i++;
  return i;
}

/** Reads a quoted-string starting at the opening quote; returns its value and the index after it. */
function readQuoted(s: string, i: number): [string, number] {
  let out = '';
  i++; // opening quote
  while (i < s.length) {
    const c = s[i] ?? '';
    if (c === '\\' && i + 1 < s.length) {
      out += s[i + 1];
      i += 2;
    } else if (c === '"') {
      return [out, i + 1];
    } else {
      out += c;
      i++;
    }
  }
  return [out, i]; // unterminated: take the rest, leniently
}

/**
 * Sets a parameter once (the first occurrence wins), as an own property: a name such as "constructor"
 * or "__proto__" is a parameter like any other, not the object's prototype.
 */
function setParam(params: Record<string, string>, name: string, value: string): void {
  const key = name.toLowerCase();
  if (!Object.hasOwn(params, key)) Object.defineProperty(params, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Reads an unquoted value. Lenient: anything up to a comma or whitespace (some servers leave URLs unquoted). */
function readBareValue(s: string, i: number): number {
  while (i < s.length && s[i] !== ',' && !WHITESPACE.has(s[i] ?? '')) i++;
  return i;
}

/** Parses every challenge of a `WWW-Authenticate` header (several header lines may be joined with ", "). */
export function parseChallenges(header: string | readonly string[] | undefined): Challenge[] {
  if (header === undefined) return [];
  const s = typeof header === 'string' ? header : header.join(', ');
  const out: Challenge[] = [];
  let current: Challenge | undefined;
  // True right after a scheme, until the first comma: only there may a token68 appear.
  let firstItem = false;
  let i = 0;
  while (i < s.length) {
    let sawComma = false;
    while (i < s.length && (WHITESPACE.has(s[i] ?? '') || s[i] === ',')) {
      if (s[i] === ',') sawComma = true;
      i++;
    }
    if (i >= s.length) break;
    if (sawComma) firstItem = false;

    const end = readWord(s, i);
    if (end === i) {
      // Not a token: malformed input. Skip to the next comma rather than giving up on the rest.
      while (i < s.length && s[i] !== ',') i++;
      continue;
    }
    const word = s.slice(i, end);
    const afterWord = skipWhitespace(s, end);

    if (current === undefined && s[afterWord] === '=') {
      // A parameter before any scheme: malformed, skip it.
      while (i < s.length && s[i] !== ',') i++;
      continue;
    }
    if (current !== undefined && s[afterWord] === '=') {
      let j = skipWhitespace(s, afterWord + 1);
      if (s[j] === '"') {
        const [value, next] = readQuoted(s, j);
        setParam(current.params, word, value);
        i = next;
      } else if (s[j] === '=' || s[j] === ',' || j >= s.length) {
        // `word=` followed by padding, a comma or the end: a token68 such as "abc==".
        j = afterWord;
        while (s[j] === '=') j++;
        if (firstItem) current.token68 = s.slice(i, end) + s.slice(afterWord, j);
        i = j;
      } else {
        const valueEnd = readBareValue(s, j);
        setParam(current.params, word, s.slice(j, valueEnd));
        i = valueEnd;
      }
      firstItem = false;
      continue;
    }

    if (current !== undefined && firstItem) {
      current.token68 = word;
      firstItem = false;
      i = end;
      continue;
    }

    current = { scheme: word.toLowerCase(), params: {} };
    out.push(current);
    firstItem = true;
    i = end;
  }
  return out;
}

/** The challenge this client can answer, preferring Bearer over Basic; undefined when there is none. */
export function pickChallenge(challenges: readonly Challenge[]): Challenge | undefined {
  return challenges.find((c) => c.scheme === 'bearer') ?? challenges.find((c) => c.scheme === 'basic');
}
