import { badInput, excerpt } from '../parse-result.ts';

/**
 * SIP header model and the small grammars inside header values (RFC 3261 §7.3, §19.1, §20, §25.1):
 * compact names, comma-separated lists, `;name=value` parameters, name-addr, SIP/tel URIs, Via and CSeq.
 * Everything here is pure; malformed values throw `EscuchaError('BAD_REQUEST')`.
 */

/** Compact header forms (RFC 3261 §7.3.3 and the IANA registry) → full names. */
const COMPACT_FORMS: Record<string, string> = {
  a: 'Accept-Contact',
  b: 'Referred-By',
  c: 'Content-Type',
  d: 'Request-Disposition',
  e: 'Content-Encoding',
  f: 'From',
  i: 'Call-ID',
  j: 'Reject-Contact',
  k: 'Supported',
  l: 'Content-Length',
  m: 'Contact',
  o: 'Event',
  r: 'Refer-To',
  s: 'Subject',
  t: 'To',
  u: 'Allow-Events',
  v: 'Via',
  x: 'Session-Expires',
  y: 'Identity',
};

/** Spelling used when Escucha writes a header whose canonical form is not plain Title-Case. */
const SPECIAL_SPELLING: Record<string, string> = {
  'call-id': 'Call-ID',
  cseq: 'CSeq',
  'www-authenticate': 'WWW-Authenticate',
  'mime-version': 'MIME-Version',
  'p-asserted-identity': 'P-Asserted-Identity',
  'p-preferred-identity': 'P-Preferred-Identity',
  rack: 'RAck',
  rseq: 'RSeq',
  'sip-etag': 'SIP-ETag',
  'sip-if-match': 'SIP-If-Match',
};

/** Headers whose value is a comma-separated list (RFC 3261 §7.3.1), so `getAll` splits them. */
const LIST_HEADERS = new Set([
  'via',
  'contact',
  'route',
  'record-route',
  'path',
  'service-route',
  'allow',
  'allow-events',
  'supported',
  'require',
  'proxy-require',
  'unsupported',
  'accept',
  'accept-encoding',
  'accept-language',
  'content-encoding',
  'content-language',
  'alert-info',
  'call-info',
  'error-info',
  'in-reply-to',
  'p-asserted-identity',
  'history-info',
  'reason',
  'warning',
]);

const TOKEN = /^[A-Za-z0-9\-.!%*_+`'~]+$/;

export function isToken(text: string): boolean {
  return TOKEN.test(text);
}

/** Full, conventionally spelled header name for any spelling or compact form. */
export function canonicalHeaderName(name: string): string {
  const lower = name.trim().toLowerCase();
  const full = lower.length === 1 ? COMPACT_FORMS[lower] : undefined;
  if (full !== undefined) return full;
  const special = SPECIAL_SPELLING[lower];
  if (special !== undefined) return special;
  return lower.replace(/(^|-)([a-z])/g, (_m, dash: string, ch: string) => dash + ch.toUpperCase());
}

function assertSafeHeader(name: string, value: string): void {
  if (!isToken(name)) throw badInput(`invalid SIP header name "${excerpt(name)}"`);
  if (/[\r\n\0]/.test(value)) throw badInput(`SIP header ${name} contains a line break or NUL`);
}

export interface SipHeaderEntry {
  /** Canonical full name (compact forms expanded). */
  readonly name: string;
  readonly value: string;
}

/** Ordered, case-insensitive header collection; keeps every occurrence in arrival order. */
export class SipHeaders {
  private readonly list: SipHeaderEntry[] = [];

  constructor(entries: Iterable<readonly [string, string]> = []) {
    for (const [name, value] of entries) this.add(name, value);
  }

  add(name: string, value: string): this {
    assertSafeHeader(name.trim(), value);
    this.list.push({ name: canonicalHeaderName(name), value: value.trim() });
    return this;
  }

  /** Replaces every occurrence of `name` with one header, keeping the position of the first. */
  set(name: string, value: string): this {
    assertSafeHeader(name.trim(), value);
    const canonical = canonicalHeaderName(name);
    const key = canonical.toLowerCase();
    const first = this.list.findIndex((e) => e.name.toLowerCase() === key);
    const entry = { name: canonical, value: value.trim() };
    if (first < 0) {
      this.list.push(entry);
      return this;
    }
    this.list[first] = entry;
    for (let i = this.list.length - 1; i > first; i--) {
      if (this.list[i]?.name.toLowerCase() === key) this.list.splice(i, 1);
    }
    return this;
  }

  delete(name: string): this {
    const key = canonicalHeaderName(name).toLowerCase();
    for (let i = this.list.length - 1; i >= 0; i--) {
      if (this.list[i]?.name.toLowerCase() === key) this.list.splice(i, 1);
    }
    return this;
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  /** First occurrence, as written (a list header is not split). */
  get(name: string): string | undefined {
    const key = canonicalHeaderName(name).toLowerCase();
    return this.list.find((e) => e.name.toLowerCase() === key)?.value;
  }

  /** Every value: all occurrences, and for list headers (Via, Contact, Route, ...) each comma-separated item. */
  getAll(name: string): string[] {
    const key = canonicalHeaderName(name).toLowerCase();
    const values = this.list.filter((e) => e.name.toLowerCase() === key).map((e) => e.value);
    if (!LIST_HEADERS.has(key)) return values;
    return values.flatMap((v) => splitOutside(v, ',').filter((item) => item.length > 0));
  }

  entries(): readonly SipHeaderEntry[] {
    return this.list;
  }

  get size(): number {
    return this.list.length;
  }
}

/**
 * Splits on `separator` outside double-quoted strings (with backslash escapes) and `<...>`. Each item is trimmed.
 */
export function splitOutside(text: string, separator: string): string[] {
  const items: string[] = [];
  let start = 0;
  let quoted = false;
  let angle = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '\\') i++;
      else if (ch === '"') quoted = false;
    } else if (ch === '"') quoted = true;
    else if (ch === '<') angle = true;
    else if (ch === '>') angle = false;
    else if (ch === separator && !angle) {
      items.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  items.push(text.slice(start).trim());
  return items;
}

/** Removes the quotes and backslash escapes of a quoted-string; other text is returned trimmed. */
export function unquote(text: string): string {
  const t = text.trim();
  if (t.length >= 2 && t.startsWith('"') && t.endsWith('"')) {
    return t.slice(1, -1).replace(/\\(.)/g, '$1');
  }
  return t;
}

export type Params = Record<string, string | null>;

/** A parameter map that cannot be polluted through names such as `__proto__`. */
export function emptyParams(): Params {
  return Object.create(null) as Params;
}

/** Parses `;name=value;flag;name="quoted"` (a leading `;` is optional). Names are lower-cased. */
export function parseParams(text: string): Params {
  const params = emptyParams();
  for (const item of splitOutside(text.replace(/^\s*;/, ''), ';')) {
    if (item === '') continue;
    const eq = item.indexOf('=');
    const name = (eq < 0 ? item : item.slice(0, eq)).trim().toLowerCase();
    if (name === '' || !isToken(name)) throw badInput(`invalid parameter "${excerpt(item)}"`);
    params[name] = eq < 0 ? null : unquote(item.slice(eq + 1));
  }
  return params;
}

/** Splits `value;param=...` into the value and its parameters (Content-Type, Content-Disposition, ...). */
export function parseHeaderParams(text: string): { value: string; params: Params } {
  const [value = '', ...rest] = splitOutside(text, ';');
  return { value, params: rest.length === 0 ? emptyParams() : parseParams(rest.join(';')) };
}

export interface HostPort {
  host: string;
  port: number | undefined;
}

/** `host`, `host:port`, `[v6]`, `[v6]:port`. */
export function parseHostPort(text: string): HostPort {
  const t = text.trim();
  let host: string;
  let portText: string | undefined;
  if (t.startsWith('[')) {
    const close = t.indexOf(']');
    if (close < 0) throw badInput(`unterminated IPv6 reference "${excerpt(t)}"`);
    host = t.slice(1, close);
    const rest = t.slice(close + 1);
    if (rest !== '' && !rest.startsWith(':')) throw badInput(`invalid host "${excerpt(t)}"`);
    portText = rest === '' ? undefined : rest.slice(1);
  } else {
    const colon = t.lastIndexOf(':');
    host = colon < 0 ? t : t.slice(0, colon);
    portText = colon < 0 ? undefined : t.slice(colon + 1);
  }
  if (host === '' || /[\s<>"]/.test(host)) throw badInput(`invalid host "${excerpt(t)}"`);
  let port: number | undefined;
  if (portText !== undefined) {
    if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535) {
      throw badInput(`invalid port "${excerpt(portText)}"`);
    }
    port = Number(portText);
  }
  return { host, port };
}

export interface SipUri {
  scheme: 'sip' | 'sips' | 'tel';
  /** User part, percent-decoded (for a tel: URI, the number). */
  user: string | undefined;
  host: string;
  port: number | undefined;
  params: Params;
  /** `?name=value&...` URI headers, undecoded. */
  headers: string | undefined;
}

function percentDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw badInput(`invalid percent-encoding "${excerpt(text)}"`);
  }
}

/** Parses a `sip:`, `sips:` or `tel:` URI (RFC 3261 §19.1, RFC 3966). */
export function parseSipUri(text: string): SipUri {
  const t = text.trim();
  const colon = t.indexOf(':');
  const scheme = colon < 0 ? '' : t.slice(0, colon).toLowerCase();
  if (scheme !== 'sip' && scheme !== 'sips' && scheme !== 'tel') {
    throw badInput(`unsupported URI "${excerpt(t)}"`);
  }
  let rest = t.slice(colon + 1);
  let headers: string | undefined;
  const question = rest.indexOf('?');
  if (question >= 0) {
    headers = rest.slice(question + 1);
    rest = rest.slice(0, question);
  }
  if (scheme === 'tel') {
    const [number = '', ...paramParts] = rest.split(';');
    if (number === '') throw badInput(`tel URI without a number "${excerpt(t)}"`);
    const params = paramParts.length === 0 ? emptyParams() : parseParams(paramParts.join(';'));
    return { scheme, user: percentDecode(number), host: '', port: undefined, params, headers };
  }
  const at = rest.lastIndexOf('@');
  let user: string | undefined;
  if (at >= 0) {
    const userInfo = rest.slice(0, at);
    const passwordAt = userInfo.indexOf(':');
    user = percentDecode(passwordAt < 0 ? userInfo : userInfo.slice(0, passwordAt));
    rest = rest.slice(at + 1);
  }
  const semicolon = rest.indexOf(';');
  const hostPart = semicolon < 0 ? rest : rest.slice(0, semicolon);
  const params = semicolon < 0 ? emptyParams() : parseParams(rest.slice(semicolon + 1));
  const { host, port } = parseHostPort(hostPart);
  return { scheme, user, host, port, params, headers };
}

/**
 * The phone number in a URI's user part: visual separators removed, `;isub`/`;ext`-style suffixes cut.
 * Returns undefined when the user part is not a number (e.g. `alice`).
 */
export function phoneNumberOf(user: string | undefined): string | undefined {
  if (user === undefined) return undefined;
  const base = user.split(';')[0] ?? '';
  const digits = base.replace(/[\s\-.()]/g, '');
  return /^\+?[0-9*#]{1,32}$/.test(digits) ? digits : undefined;
}

export interface NameAddr {
  displayName: string | undefined;
  uri: string;
  /** Header parameters after the address (`tag`, `expires`, ...). */
  params: Params;
}

/** Parses From/To/Contact/Route style values: `"Name" <sip:u@h>;tag=x` or `sip:u@h;tag=x`. */
export function parseNameAddr(text: string): NameAddr {
  const t = text.trim();
  const items = splitOutside(t, ';');
  const addr = items[0] ?? '';
  const params = items.length > 1 ? parseParams(items.slice(1).join(';')) : emptyParams();
  const open = findOutsideQuotes(addr, '<');
  if (open < 0) {
    if (addr === '' || /[\s"<>]/.test(addr)) throw badInput(`invalid address "${excerpt(t)}"`);
    return { displayName: undefined, uri: addr, params };
  }
  const close = addr.indexOf('>', open);
  if (close < 0 || addr.slice(close + 1).trim() !== '') throw badInput(`invalid address "${excerpt(t)}"`);
  const display = unquote(addr.slice(0, open));
  const uri = addr.slice(open + 1, close).trim();
  if (uri === '') throw badInput(`empty URI in "${excerpt(t)}"`);
  return { displayName: display === '' ? undefined : display, uri, params };
}

function findOutsideQuotes(text: string, ch: string): number {
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '\\') i++;
      else if (c === '"') quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === ch) return i;
  }
  return -1;
}

export interface Via {
  protocol: string;
  transport: string;
  host: string;
  port: number | undefined;
  branch: string | undefined;
  params: Params;
}

/** Parses one Via value: `SIP/2.0/UDP host:port;branch=z9hG4bK...;rport`. */
export function parseVia(text: string): Via {
  const match =
    /^\s*([A-Za-z0-9.\-_!%*+`'~]+)\s*\/\s*([A-Za-z0-9.\-_!%*+`'~]+)\s*\/\s*([A-Za-z0-9.\-_!%*+`'~]+)\s+(.*)$/s.exec(
      text,
    );
  if (!match) throw badInput(`invalid Via "${excerpt(text)}"`);
  const [, name = '', version = '', transport = '', rest = ''] = match;
  const items = splitOutside(rest, ';');
  const { host, port } = parseHostPort(items[0] ?? '');
  const params = items.length > 1 ? parseParams(items.slice(1).join(';')) : emptyParams();
  const branch = params['branch'];
  return {
    protocol: `${name.toUpperCase()}/${version}`,
    transport: transport.toUpperCase(),
    host,
    port,
    branch: branch ?? undefined,
    params,
  };
}

export interface CSeq {
  seq: number;
  method: string;
}

export function parseCSeq(text: string): CSeq {
  const match = /^\s*(\d{1,10})\s+([A-Za-z0-9\-.!%*_+`'~]+)\s*$/.exec(text);
  const seq = match ? Number(match[1]) : NaN;
  if (!match || seq > 0x7fffffff) throw badInput(`invalid CSeq "${excerpt(text)}"`);
  return { seq, method: match[2] ?? '' };
}
