// Parses a dependency lock file (.terraform.lock.hcl,
// https://developer.hashicorp.com/terraform/language/files/dependency-lock) into its provider selections.
// A small parser for exactly the HCL subset Terraform and OpenTofu write (blocks with string labels,
// string and list-of-string attributes, #, // and /* */ comments) rather than a general HCL package: none
// on npm is both maintained and pure JS (see the report in the mirror work); errors name line and column.
import { checkProviderAddress, formatProviderAddress } from './address.js';
import { isUpstreamError, UpstreamError } from './errors.js';
import { isHashString } from './hashes.js';
import type { ProviderAddress } from './types.js';
import { isVersion, parseVersionConstraints } from './version-constraints.js';

export interface LockedProvider {
  address: ProviderAddress;
  version: string;
  /** The recorded constraint string, when the file has one. */
  constraints?: string;
  /** `h1:` / `zh:` hashes, covering every platform Terraform has seen. */
  hashes: string[];
  /** Line of the block, for messages. */
  line: number;
}

type TokenKind = 'ident' | 'string' | '{' | '}' | '[' | ']' | '=' | ',' | 'newline' | 'eof';
interface Token {
  kind: TokenKind;
  value: string;
  line: number;
  col: number;
}

class Lexer {
  #i = 0;
  #line = 1;
  #col = 1;
  constructor(
    private readonly text: string,
    private readonly fail: (line: number, col: number, why: string) => never,
  ) {}

  #advance(n = 1): void {
    for (let k = 0; k < n; k++) {
      if (this.text[this.#i] === '\n') {
        this.#line++;
        this.#col = 1;
      } else this.#col++;
      this.#i++;
    }
  }

  next(): Token {
    const t = this.text;
    for (;;) {
      const c = t[this.#i];
      if (c === ' ' || c === '\t' || c === '\r') this.#advance();
      else if (c === '#' || (c === '/' && t[this.#i + 1] === '/')) {
        while (this.#i < t.length && t[this.#i] !== '\n') this.#advance();
      } else if (c === '/' && t[this.#i + 1] === '*') {
        const [line, col] = [this.#line, this.#col];
        const end = t.indexOf('*/', this.#i + 2);
        if (end === -1) this.fail(line, col, 'unterminated /* comment');
        this.#advance(end + 2 - this.#i);
      } else break;
    }
    const [line, col] = [this.#line, this.#col];
    const tok = (kind: TokenKind, value: string = kind): Token => ({ kind, value, line, col });
    const c = t[this.#i];
    if (c === undefined) return tok('eof', 'end of file');
    if (c === '\n') {
      this.#advance();
      return tok('newline', 'end of line');
    }
    if ('{}[]=,'.includes(c)) {
      this.#advance();
      return tok(c as TokenKind);
    }
    if (c === '"') return { ...this.#string(), line, col };
    const ident = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(t.slice(this.#i, this.#i + 256));
    if (ident) {
      this.#advance(ident[0].length);
      return tok('ident', ident[0]);
    }
    return this.fail(line, col, `unexpected character ${JSON.stringify(c)}`);
  }

  #string(): Omit<Token, 'line' | 'col'> {
    const [line, col] = [this.#line, this.#col];
    this.#advance(); // opening quote
    let out = '';
    for (;;) {
      const c = this.text[this.#i];
      if (c === undefined || c === '\n') return this.fail(line, col, 'unterminated string');
      if (c === '"') {
        this.#advance();
        return { kind: 'string', value: out };
      }
      if ((c === '$' || c === '%') && this.text[this.#i + 1] === '{') {
        return this.fail(this.#line, this.#col, `template sequences ("${c}{") are not allowed in a lock file`);
      }
      if (c === '\\') {
        const e = this.text[this.#i + 1];
        const simple: Record<string, string> = { n: '\n', r: '\r', t: '\t', '"': '"', '\\': '\\' };
        if (e !== undefined && e in simple) {
          out += simple[e];
          this.#advance(2);
          continue;
        }
        const hex = e === 'u' ? /^[0-9A-Fa-f]{4}/.exec(this.text.slice(this.#i + 2, this.#i + 6)) : null;
        if (hex) {
          out += String.fromCharCode(Number.parseInt(hex[0], 16));
          this.#advance(6);
          continue;
        }
        return this.fail(this.#line, this.#col, `unsupported escape sequence "\\${e ?? ''}"`);
      }
      out += c;
      this.#advance();
    }
  }
}

type Value =
  | { kind: 'string'; value: string; line: number }
  | { kind: 'list'; items: Array<{ value: string; line: number }>; line: number };

/**
 * Parses the lock file text. `filename` names it in messages. UpstreamError BAD_INPUT
 * `<file>:<line>:<col>: <what is wrong>` for syntax errors, unknown blocks or arguments, a missing
 * version, non-normalized addresses or versions, bad constraints or hashes, and duplicate providers.
 */
export function parseLockFile(text: string, filename = '.terraform.lock.hcl'): LockedProvider[] {
  const fail = (line: number, col: number, why: string): never => {
    throw new UpstreamError('BAD_INPUT', `${filename}:${line}:${col}: ${why}`, { location: filename });
  };
  const lexer = new Lexer(text.replace(/^\uFEFF/, ''), fail);
  let tok = lexer.next();
  // Read through a function: TypeScript would otherwise narrow `tok.kind` across advance() calls.
  const kind = (): TokenKind => tok.kind;
  const advance = () => {
    tok = lexer.next();
  };
  const describe = (t: Token) => (t.kind === 'string' ? `string "${t.value}"` : t.kind === 'ident' ? `"${t.value}"` : t.value);
  const expect = (want: TokenKind, context: string): Token => {
    if (kind() !== want) {
      fail(
        tok.line,
        tok.col,
        `expected ${want === 'ident' ? 'a name' : want === 'string' ? 'a quoted string' : `"${want}"`} ${context}, found ${describe(tok)}`,
      );
    }
    const t = tok;
    advance();
    return t;
  };
  const skipNewlines = () => {
    while (kind() === 'newline') advance();
  };

  function value(): Value {
    const start = tok;
    if (kind() === 'string') {
      advance();
      return { kind: 'string', value: start.value, line: start.line };
    }
    if (kind() !== '[') fail(tok.line, tok.col, `expected a quoted string or a list of strings, found ${describe(tok)}`);
    advance();
    const items: Array<{ value: string; line: number }> = [];
    for (;;) {
      skipNewlines();
      if (kind() === ']') break;
      const s = expect('string', 'in the list');
      items.push({ value: s.value, line: s.line });
      skipNewlines();
      if (kind() === ',') advance();
      else if (kind() !== ']') fail(tok.line, tok.col, `expected "," or "]" in the list, found ${describe(tok)}`);
    }
    advance();
    return { kind: 'list', items, line: start.line };
  }

  /** A block body up to its "}": attribute name -> value. */
  function body(blockName: string): Map<string, { value: Value; line: number; col: number }> {
    const attrs = new Map<string, { value: Value; line: number; col: number }>();
    expect('{', `to open the ${blockName} block`);
    for (;;) {
      skipNewlines();
      if (kind() === '}') break;
      if (kind() === 'eof') fail(tok.line, tok.col, `the ${blockName} block is not closed with "}"`);
      const name = expect('ident', `in the ${blockName} block`);
      if (kind() !== '=') fail(tok.line, tok.col, `expected "=" after "${name.value}" (nested blocks are not part of a lock file)`);
      advance();
      if (attrs.has(name.value)) fail(name.line, name.col, `"${name.value}" is set twice in the ${blockName} block`);
      attrs.set(name.value, { value: value(), line: name.line, col: name.col });
      if (kind() !== 'newline' && kind() !== '}')
        fail(tok.line, tok.col, `expected the end of the line after "${name.value}", found ${describe(tok)}`);
    }
    advance();
    return attrs;
  }

  const out: LockedProvider[] = [];
  const seen = new Map<string, number>();
  for (;;) {
    skipNewlines();
    if (kind() === 'eof') break;
    const type = expect('ident', 'at the start of a block');
    const labels: Token[] = [];
    while (kind() === 'string') {
      labels.push(tok);
      advance();
    }
    if (type.value === 'module') {
      body(`module`); // reserved by Terraform for future use; ignored with a warning there
    } else if (type.value !== 'provider') {
      fail(type.line, type.col, `unexpected block type "${type.value}" (a lock file holds "provider" blocks)`);
    } else {
      if (labels.length !== 1)
        fail(type.line, type.col, `a provider block takes exactly one label, the provider address (found ${labels.length})`);
      out.push(provider(labels[0] as Token, body(`provider "${(labels[0] as Token).value}"`)));
    }
    if (kind() !== 'newline' && kind() !== 'eof') fail(tok.line, tok.col, `expected the end of the line after "}", found ${describe(tok)}`);
  }
  return out;

  function provider(label: Token, attrs: ReturnType<typeof body>): LockedProvider {
    const parts = label.value.split('/');
    if (parts.length !== 3)
      fail(label.line, label.col, `provider address "${label.value}" must be fully qualified: "hostname/namespace/type"`);
    let address: ProviderAddress;
    try {
      address = checkProviderAddress(
        { hostname: parts[0] as string, namespace: parts[1] as string, type: parts[2] as string },
        label.value,
      );
    } catch (err) {
      if (!isUpstreamError(err)) throw err;
      return fail(label.line, label.col, err.message);
    }
    const canonical = formatProviderAddress(address);
    if (canonical !== label.value) fail(label.line, label.col, `provider address must be written in normalized form "${canonical}"`);
    const previous = seen.get(canonical);
    if (previous !== undefined) fail(label.line, label.col, `provider ${canonical} is locked twice (first on line ${previous})`);
    seen.set(canonical, label.line);

    for (const [name, a] of attrs) {
      if (!['version', 'constraints', 'hashes'].includes(name))
        fail(a.line, a.col, `unsupported argument "${name}" in provider ${canonical}`);
    }
    const str = (name: string): string | undefined => {
      const a = attrs.get(name);
      if (a === undefined) return undefined;
      if (a.value.kind !== 'string') return fail(a.line, a.col, `"${name}" must be a string`);
      return a.value.value;
    };
    const version = str('version');
    if (version === undefined) return fail(label.line, label.col, `provider ${canonical} has no "version"`);
    const versionAttr = attrs.get('version') as { line: number; col: number };
    if (!isVersion(version)) fail(versionAttr.line, versionAttr.col, `"${version}" is not a normalized version for ${canonical}`);
    const constraints = str('constraints');
    if (constraints !== undefined) {
      const c = attrs.get('constraints') as { line: number; col: number };
      try {
        parseVersionConstraints(constraints);
      } catch (err) {
        if (!isUpstreamError(err)) throw err;
        fail(c.line, c.col, err.message);
      }
    }
    const hashesAttr = attrs.get('hashes');
    const hashes: string[] = [];
    if (hashesAttr !== undefined) {
      if (hashesAttr.value.kind !== 'list') return fail(hashesAttr.line, hashesAttr.col, '"hashes" must be a list of strings');
      for (const item of hashesAttr.value.items) {
        if (!isHashString(item.value))
          fail(item.line, 1, `invalid hash "${item.value}" for ${canonical} (expected "h1:..." or "zh:<64 hex>")`);
        hashes.push(item.value);
      }
    }
    const locked: LockedProvider = { address, version, hashes, line: label.line };
    return constraints === undefined ? locked : { ...locked, constraints };
  }
}
