import { badInput, excerpt } from '../parse-result.ts';
import { parseHeaderParams, SipHeaders, type Params } from './sip.headers.ts';

/**
 * `multipart/mixed` bodies (RFC 2046 §5.1) as SIPREC INVITEs carry them (RFC 7866 §9.1): an `application/sdp`
 * part and an `application/rs-metadata+xml` part. Tolerates a preamble, LF-only line ends, quoted or bare
 * boundaries and a missing close delimiter (some SBCs omit it); anything else malformed throws BAD_REQUEST.
 */

export interface MimePart {
  headers: SipHeaders;
  /** Media type, lower-cased, without parameters (`text/plain` when the part has no Content-Type). */
  contentType: string;
  contentTypeParams: Params;
  /** Disposition type (`session`, `recording-session`, `render`, ...), lower-cased. */
  disposition: string | undefined;
  dispositionParams: Params;
  body: Buffer;
}

export interface MultipartBody {
  boundary: string;
  parts: MimePart[];
  /** False when the body ended without the `--boundary--` close delimiter. */
  closed: boolean;
}

export interface MultipartOptions {
  /** Most parts accepted (default 16). */
  maxParts?: number;
}

const BOUNDARY_CHARS = /^[0-9A-Za-z'()+_,\-./:=? ]{1,70}$/;

/** Boundary from a `multipart/...; boundary=...` Content-Type value. */
export function boundaryOf(contentType: string): string {
  const { value, params } = parseHeaderParams(contentType);
  if (!value.toLowerCase().startsWith('multipart/'))
    throw badInput(`not a multipart type "${excerpt(value)}"`);
  const boundary = params['boundary'];
  if (
    boundary === undefined ||
    boundary === null ||
    !BOUNDARY_CHARS.test(boundary) ||
    boundary.endsWith(' ')
  ) {
    throw badInput('multipart Content-Type without a valid boundary');
  }
  return boundary;
}

export function parseMultipart(
  body: Buffer,
  contentType: string,
  options: MultipartOptions = {},
): MultipartBody {
  const boundary = boundaryOf(contentType);
  const maxParts = options.maxParts ?? 16;
  const delimiter = Buffer.from(`--${boundary}`, 'latin1');

  let position = findDelimiter(body, delimiter, 0);
  if (position < 0) throw badInput('multipart body without its boundary');
  const parts: MimePart[] = [];
  let closed = false;
  for (;;) {
    let cursor = position + delimiter.length;
    if (body[cursor] === 0x2d && body[cursor + 1] === 0x2d) {
      closed = true;
      break;
    }
    cursor = skipLineEnd(body, cursor);
    if (cursor < 0) throw badInput('multipart delimiter not followed by a line end');
    const next = findDelimiter(body, delimiter, cursor);
    const partEnd = next < 0 ? trimTrailingLineEnd(body, body.length) : lineStartBefore(body, next);
    if (parts.length >= maxParts) throw badInput(`multipart body with more than ${maxParts} parts`);
    parts.push(parsePart(body.subarray(cursor, Math.max(cursor, partEnd))));
    if (next < 0) break;
    position = next;
  }
  return { boundary, parts, closed };
}

/** Offset of a delimiter line (`--boundary` at the start of the body or right after a line end), or -1. */
function findDelimiter(body: Buffer, delimiter: Buffer, from: number): number {
  for (let i = body.indexOf(delimiter, from); i >= 0; i = body.indexOf(delimiter, i + 1)) {
    if (i !== 0 && body[i - 1] !== 0x0a) continue;
    const after = body[i + delimiter.length];
    const closing = after === 0x2d && body[i + delimiter.length + 1] === 0x2d;
    if (
      after === undefined ||
      closing ||
      after === 0x0d ||
      after === 0x0a ||
      after === 0x20 ||
      after === 0x09
    ) {
      return i;
    }
  }
  return -1;
}

/** The line end before a delimiter belongs to the delimiter (RFC 2046): the part stops before it. */
function lineStartBefore(body: Buffer, delimiterAt: number): number {
  let end = delimiterAt;
  if (end > 0 && body[end - 1] === 0x0a) end--;
  if (end > 0 && body[end - 1] === 0x0d) end--;
  return end;
}

function trimTrailingLineEnd(body: Buffer, end: number): number {
  let e = end;
  while (e > 0 && (body[e - 1] === 0x0a || body[e - 1] === 0x0d)) e--;
  return e;
}

/** Skips transport padding (spaces/tabs) and one line end after a delimiter; -1 when something else follows. */
function skipLineEnd(body: Buffer, from: number): number {
  let i = from;
  while (body[i] === 0x20 || body[i] === 0x09) i++;
  if (body[i] === 0x0d && body[i + 1] === 0x0a) return i + 2;
  if (body[i] === 0x0a) return i + 1;
  if (i >= body.length) return i;
  return -1;
}

function parsePart(raw: Buffer): MimePart {
  const headers = new SipHeaders();
  let bodyStart = 0;
  if (raw[0] === 0x0a) bodyStart = 1;
  else if (raw[0] === 0x0d && raw[1] === 0x0a) bodyStart = 2;
  else {
    let end = -1;
    for (let i = raw.indexOf(0x0a); i >= 0; i = raw.indexOf(0x0a, i + 1)) {
      if (raw[i + 1] === 0x0a) {
        end = i;
        bodyStart = i + 2;
        break;
      }
      if (raw[i + 1] === 0x0d && raw[i + 2] === 0x0a) {
        end = i;
        bodyStart = i + 3;
        break;
      }
    }
    if (end < 0) {
      // Headers only, no blank line: valid when the part body is empty.
      end = raw.length;
      bodyStart = raw.length;
    }
    const lines = raw.toString('utf8', 0, end).replace(/\r$/, '').split(/\r?\n/);
    let last: [string, string] | undefined;
    const collected: Array<[string, string]> = [];
    for (const line of lines) {
      if (line === '') continue;
      if ((line.startsWith(' ') || line.startsWith('\t')) && last) {
        last[1] += ` ${line.trim()}`;
        continue;
      }
      const colon = line.indexOf(':');
      if (colon <= 0) throw badInput(`invalid MIME part header "${excerpt(line)}"`);
      last = [line.slice(0, colon).trim(), line.slice(colon + 1)];
      collected.push(last);
    }
    for (const [name, value] of collected) headers.add(name, value);
  }
  const type = parseHeaderParams(headers.get('Content-Type') ?? 'text/plain');
  const dispositionValue = headers.get('Content-Disposition');
  const disposition = dispositionValue === undefined ? undefined : parseHeaderParams(dispositionValue);
  return {
    headers,
    contentType: type.value.toLowerCase(),
    contentTypeParams: type.params,
    disposition: disposition?.value.toLowerCase(),
    dispositionParams: disposition?.params ?? (Object.create(null) as Params),
    body: raw.subarray(bodyStart),
  };
}

export interface SiprecBodies {
  sdp: Buffer | undefined;
  metadata: Buffer | undefined;
}

const METADATA_TYPES = new Set(['application/rs-metadata+xml', 'application/rs-metadata']);

/**
 * The SDP offer and the recording metadata of a SIPREC request, whether the body is multipart or a single
 * part. The metadata part is found by type, or by `Content-Disposition: recording-session`.
 */
export function siprecBodies(contentType: string | undefined, body: Buffer): SiprecBodies {
  if (contentType === undefined || body.length === 0) return { sdp: undefined, metadata: undefined };
  const type = parseHeaderParams(contentType).value.toLowerCase();
  if (type === 'application/sdp') return { sdp: body, metadata: undefined };
  if (METADATA_TYPES.has(type)) return { sdp: undefined, metadata: body };
  if (!type.startsWith('multipart/')) throw badInput(`unsupported SIPREC body type "${excerpt(type)}"`);
  const { parts } = parseMultipart(body, contentType);
  const sdp = parts.find((p) => p.contentType === 'application/sdp');
  const metadata =
    parts.find((p) => METADATA_TYPES.has(p.contentType)) ??
    parts.find((p) => p.disposition === 'recording-session');
  return { sdp: sdp?.body, metadata: metadata?.body };
}
