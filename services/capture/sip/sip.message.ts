import { badInput, excerpt } from '../parse-result.ts';
import {
  isToken,
  parseCSeq,
  parseNameAddr,
  parseSipUri,
  parseVia,
  phoneNumberOf,
  SipHeaders,
  type CSeq,
  type NameAddr,
  type SipUri,
  type Via,
} from './sip.headers.ts';

/**
 * SIP message parsing and serialisation (RFC 3261 §7): start line, headers (compact forms, folding, repeated
 * and comma-separated values), Content-Length framing and a binary body. Pure: bytes in, objects out.
 */

export const SIP_VERSION = 'SIP/2.0';

interface SipMessageBase {
  version: string;
  headers: SipHeaders;
  body: Buffer;
}

export interface SipRequest extends SipMessageBase {
  kind: 'request';
  method: string;
  uri: string;
}

export interface SipResponse extends SipMessageBase {
  kind: 'response';
  status: number;
  reason: string;
}

export type SipMessage = SipRequest | SipResponse;

export interface SipParseOptions {
  /** Largest header section accepted, in bytes (default 64 KiB). */
  maxHeaderBytes?: number;
  /** Most header lines accepted (default 256). */
  maxHeaders?: number;
  /**
   * Over a stream transport Content-Length is mandatory (RFC 3261 §18.3); over UDP a missing one means "the
   * rest of the datagram" (default false).
   */
  requireContentLength?: boolean;
}

const DEFAULT_MAX_HEADER_BYTES = 64 * 1024;
const DEFAULT_MAX_HEADERS = 256;

/** Index just past the blank line ending the header section, or -1. Accepts CRLF and bare LF line ends. */
export function findHeaderEnd(
  data: Buffer,
  from = 0,
  limit = data.length,
): { bodyStart: number } | undefined {
  const end = Math.min(limit, data.length);
  for (let i = data.indexOf(0x0a, from); i >= 0 && i < end; i = data.indexOf(0x0a, i + 1)) {
    const next = data[i + 1];
    if (next === 0x0a) return { bodyStart: i + 2 };
    if (next === 0x0d && data[i + 2] === 0x0a) return { bodyStart: i + 3 };
  }
  return undefined;
}

const REQUEST_LINE = /^[A-Z]{3,10} \S+ SIP\/2\.0\r?$/;
const STATUS_LINE = /^SIP\/2\.0 \d{3} /;

/**
 * Whether bytes begin with a SIP request or status line (RFC 3261 §7.1, §7.2), however long the request URI: the
 * whole first line is read, up to the header-section limit. RTP, RTCP, STUN, DTLS and DNS never match (they do not
 * start with an upper-case letter, or their first "line" is not a SIP one). The one test of "is this SIP" for every
 * capture path.
 */
export function startsWithSipLine(data: Buffer, maxLineBytes = DEFAULT_MAX_HEADER_BYTES): boolean {
  if (data.length < 12 || data[0]! < 0x41 || data[0]! > 0x5a) return false;
  if (data[0] === 0x53 && STATUS_LINE.test(data.toString('latin1', 0, 12))) return true;
  const end = data.indexOf(0x0a);
  if (end < 0 || end > maxLineBytes) return false;
  return REQUEST_LINE.test(data.toString('latin1', 0, end));
}

/** Parses a Content-Length value strictly: digits only, within the safe integer range. */
export function parseContentLength(value: string): number {
  const t = value.trim();
  if (!/^\d{1,15}$/.test(t)) throw badInput(`invalid Content-Length "${excerpt(t)}"`);
  return Number(t);
}

/** Parses one SIP message (a UDP datagram, or one message cut by `SipStreamFramer`). */
export function parseSipMessage(input: Buffer | string, options: SipParseOptions = {}): SipMessage {
  const data = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
  const maxHeaderBytes = options.maxHeaderBytes ?? DEFAULT_MAX_HEADER_BYTES;
  const maxHeaders = options.maxHeaders ?? DEFAULT_MAX_HEADERS;

  let start = 0;
  while (start < data.length && (data[start] === 0x0d || data[start] === 0x0a)) start++;
  if (start >= data.length) throw badInput('empty SIP message');

  const headerEnd = findHeaderEnd(data, start, start + maxHeaderBytes + 4);
  if (headerEnd === undefined) {
    if (data.length - start > maxHeaderBytes) throw badInput('SIP header section too large');
    throw badInput('SIP message has no end of headers');
  }
  const head = data.toString('utf8', start, headerEnd.bodyStart);
  const lines = head.split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  if (lines.length - 1 > maxHeaders) throw badInput(`too many SIP header lines (> ${maxHeaders})`);

  const startLine = lines[0] ?? '';
  const headers = parseHeaderLines(lines.slice(1));

  const lengthValue = headers.get('Content-Length');
  let body: Buffer;
  if (lengthValue === undefined) {
    if (options.requireContentLength === true) throw badInput('SIP message without Content-Length');
    body = data.subarray(headerEnd.bodyStart);
  } else {
    const length = parseContentLength(lengthValue);
    const available = data.length - headerEnd.bodyStart;
    if (length > available) {
      throw badInput(`SIP body truncated: Content-Length ${length}, ${available} bytes present`);
    }
    body = data.subarray(headerEnd.bodyStart, headerEnd.bodyStart + length);
  }

  if (startLine.startsWith('SIP/')) {
    const match = /^(SIP\/\d{1,3}\.\d{1,3}) ([1-6]\d\d)(?: (.*))?$/.exec(startLine);
    if (!match) throw badInput(`invalid SIP status line "${excerpt(startLine)}"`);
    return {
      kind: 'response',
      version: match[1] ?? SIP_VERSION,
      status: Number(match[2]),
      reason: match[3] ?? '',
      headers,
      body,
    };
  }
  const parts = startLine.split(' ');
  const [method = '', uri = '', version = ''] = parts;
  if (parts.length !== 3 || !isToken(method) || uri === '' || !/^SIP\/\d{1,3}\.\d{1,3}$/.test(version)) {
    throw badInput(`invalid SIP request line "${excerpt(startLine)}"`);
  }
  return { kind: 'request', method, uri, version, headers, body };
}

/** Header lines (after the start line) → headers; folded continuation lines join the previous header. */
function parseHeaderLines(lines: string[]): SipHeaders {
  const unfolded: string[] = [];
  for (const line of lines) {
    if (line.startsWith(' ') || line.startsWith('\t')) {
      if (unfolded.length === 0) throw badInput('SIP header section starts with a continuation line');
      unfolded[unfolded.length - 1] += ` ${line.trim()}`;
    } else {
      unfolded.push(line);
    }
  }
  const headers = new SipHeaders();
  for (const line of unfolded) {
    const colon = line.indexOf(':');
    if (colon <= 0) throw badInput(`invalid SIP header line "${excerpt(line)}"`);
    const name = line.slice(0, colon).trim();
    if (!isToken(name)) throw badInput(`invalid SIP header name "${excerpt(name)}"`);
    headers.add(name, line.slice(colon + 1));
  }
  return headers;
}

/** Serialises a message; Content-Length is always (re)written from the body. */
export function serializeSipMessage(message: SipMessage): Buffer {
  const startLine =
    message.kind === 'request'
      ? `${message.method} ${message.uri} ${message.version}`
      : `${message.version} ${message.status} ${message.reason}`;
  if (/[\r\n]/.test(startLine)) throw badInput('SIP start line contains a line break');
  const lines = [startLine];
  for (const { name, value } of message.headers.entries()) {
    if (name === 'Content-Length') continue;
    lines.push(`${name}: ${value}`);
  }
  lines.push(`Content-Length: ${message.body.length}`);
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'utf8'), message.body]);
}

export interface BuildResponseOptions {
  /** Extra headers, in order (e.g. Contact, Content-Type, Allow). */
  headers?: ReadonlyArray<readonly [string, string]>;
  body?: Buffer | string;
  /** Tag added to To when the request's To has none (not added to a 100 Trying, RFC 3261 §8.2.6.2). */
  toTag?: string;
}

/**
 * Builds the response to `request` (RFC 3261 §8.2.6): every Via in order, From, To (with our tag), Call-ID,
 * CSeq, and Record-Route for dialog-creating 1xx/2xx answers, then the caller's headers and body.
 */
export function buildResponse(
  request: SipRequest,
  status: number,
  reason: string,
  options: BuildResponseOptions = {},
): SipResponse {
  if (!Number.isInteger(status) || status < 100 || status > 699)
    throw badInput(`invalid SIP status ${status}`);
  if (/[\r\n]/.test(reason)) throw badInput('SIP reason phrase contains a line break');
  const headers = new SipHeaders();
  for (const via of request.headers.entries().filter((e) => e.name === 'Via')) headers.add('Via', via.value);
  for (const name of ['From', 'To', 'Call-ID', 'CSeq']) {
    const value = request.headers.get(name);
    if (value === undefined) throw badInput(`SIP request without ${name}`);
    headers.add(name, value);
  }
  const to = request.headers.get('To') ?? '';
  if (status > 100 && options.toTag !== undefined && parseNameAddr(to).params['tag'] === undefined) {
    if (!isToken(options.toTag)) throw badInput('invalid To tag');
    headers.set('To', `${to};tag=${options.toTag}`);
  }
  if (status > 100 && status < 300) {
    for (const rr of request.headers.entries().filter((e) => e.name === 'Record-Route')) {
      headers.add('Record-Route', rr.value);
    }
  }
  for (const [name, value] of options.headers ?? []) headers.add(name, value);
  const body = options.body === undefined ? Buffer.alloc(0) : Buffer.from(options.body);
  return { kind: 'response', version: SIP_VERSION, status, reason, headers, body };
}

function required(message: SipMessage, name: string): string {
  const value = message.headers.get(name);
  if (value === undefined || value === '') throw badInput(`SIP message without ${name}`);
  return value;
}

export function callIdOf(message: SipMessage): string {
  return required(message, 'Call-ID');
}

export function cseqOf(message: SipMessage): CSeq {
  return parseCSeq(required(message, 'CSeq'));
}

/** The topmost Via (the one a response is routed by). */
export function topViaOf(message: SipMessage): Via {
  const [top] = message.headers.getAll('Via');
  if (top === undefined) throw badInput('SIP message without Via');
  return parseVia(top);
}

export function viaBranchOf(message: SipMessage): string | undefined {
  return topViaOf(message).branch;
}

export interface SipParty extends NameAddr {
  tag: string | undefined;
  parsedUri: SipUri;
  /** The user part as a phone number, when it is one. */
  number: string | undefined;
}

function party(message: SipMessage, header: 'From' | 'To'): SipParty {
  const addr = parseNameAddr(required(message, header));
  const parsedUri = parseSipUri(addr.uri);
  const tag = addr.params['tag'];
  return { ...addr, tag: tag ?? undefined, parsedUri, number: phoneNumberOf(parsedUri.user) };
}

export function fromOf(message: SipMessage): SipParty {
  return party(message, 'From');
}

export function toOf(message: SipMessage): SipParty {
  return party(message, 'To');
}

/** Media type of the body (`application/sdp`, `multipart/mixed`, ...), lower-cased, without parameters. */
export function contentTypeOf(message: SipMessage): string | undefined {
  const value = message.headers.get('Content-Type');
  return value?.split(';')[0]?.trim().toLowerCase();
}
