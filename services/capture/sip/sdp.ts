import { badInput, excerpt } from '../parse-result.ts';

/**
 * SDP (RFC 8866) as SIPREC offers use it: session and media descriptions, connection data, rtpmap/fmtp,
 * direction, label (RFC 4574), ptime, rtcp (RFC 3605) and telephone-event (RFC 4733). Unknown lines are kept
 * as attributes or ignored; malformed lines that matter (v=, m=, c=) throw BAD_REQUEST, while a malformed
 * rtpmap, fmtp or rtcp attribute only makes that attribute unusable.
 */

export type Direction = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

export interface SdpConnection {
  netType: string;
  addrType: 'IP4' | 'IP6' | string;
  address: string;
}

export interface SdpOrigin {
  username: string;
  sessionId: string;
  sessionVersion: string;
  netType: string;
  addrType: string;
  address: string;
}

export interface SdpAttribute {
  name: string;
  value: string | undefined;
}

export interface RtpMap {
  payloadType: number;
  encoding: string;
  clockRate: number;
  channels: number;
}

export interface SdpMedia {
  type: string;
  port: number;
  portCount: number | undefined;
  proto: string;
  /** Formats as listed on the m= line (payload type numbers for RTP profiles). */
  formats: string[];
  connection: SdpConnection | undefined;
  attributes: SdpAttribute[];
  /** Media-level direction, or the session's, or sendrecv. */
  direction: Direction;
  /** rtpmap for every RTP payload type on the m= line: explicit ones, else the RFC 3551 static table. */
  rtpmaps: RtpMap[];
  fmtp: Map<number, string>;
  label: string | undefined;
  ptime: number | undefined;
  rtcp: { port: number; address: string | undefined } | undefined;
}

export interface SdpSession {
  version: number;
  origin: SdpOrigin | undefined;
  sessionName: string;
  connection: SdpConnection | undefined;
  attributes: SdpAttribute[];
  /** Session-level direction attribute, if any. */
  direction: Direction | undefined;
  media: SdpMedia[];
}

/** RFC 3551 static payload types Escucha may meet in an offer that omits rtpmap. */
export const STATIC_PAYLOAD_TYPES: ReadonlyMap<number, Omit<RtpMap, 'payloadType'>> = new Map([
  [0, { encoding: 'PCMU', clockRate: 8000, channels: 1 }],
  [3, { encoding: 'GSM', clockRate: 8000, channels: 1 }],
  [4, { encoding: 'G723', clockRate: 8000, channels: 1 }],
  [8, { encoding: 'PCMA', clockRate: 8000, channels: 1 }],
  [9, { encoding: 'G722', clockRate: 8000, channels: 1 }],
  [10, { encoding: 'L16', clockRate: 44100, channels: 2 }],
  [11, { encoding: 'L16', clockRate: 44100, channels: 1 }],
  [13, { encoding: 'CN', clockRate: 8000, channels: 1 }],
  [18, { encoding: 'G729', clockRate: 8000, channels: 1 }],
]);

const DIRECTIONS = new Set<string>(['sendrecv', 'sendonly', 'recvonly', 'inactive']);
const MAX_LINES = 4096;
const MAX_MEDIA = 64;

function parseConnection(value: string): SdpConnection {
  const [netType = '', addrType = '', address = ''] = value.trim().split(/\s+/);
  if (netType === '' || addrType === '' || address === '')
    throw badInput(`invalid SDP c= "${excerpt(value)}"`);
  // Multicast TTL / count suffixes (`/127/3`) are dropped: recording streams are unicast.
  return { netType, addrType: addrType.toUpperCase(), address: address.split('/')[0] ?? address };
}

function parseOrigin(value: string): SdpOrigin {
  const fields = value.trim().split(/\s+/);
  if (fields.length !== 6) throw badInput(`invalid SDP o= "${excerpt(value)}"`);
  const [username = '', sessionId = '', sessionVersion = '', netType = '', addrType = '', address = ''] =
    fields;
  return { username, sessionId, sessionVersion, netType, addrType, address };
}

function parsePort(text: string, what: string): number {
  if (!/^\d{1,5}$/.test(text) || Number(text) > 65535)
    throw badInput(`invalid SDP ${what} "${excerpt(text)}"`);
  return Number(text);
}

function parseMediaLine(
  value: string,
): Omit<
  SdpMedia,
  'connection' | 'attributes' | 'direction' | 'rtpmaps' | 'fmtp' | 'label' | 'ptime' | 'rtcp'
> {
  const fields = value.trim().split(/\s+/);
  const [type = '', portField = '', proto = '', ...formats] = fields;
  if (type === '' || portField === '' || proto === '') throw badInput(`invalid SDP m= "${excerpt(value)}"`);
  const [portText = '', countText] = portField.split('/');
  const port = parsePort(portText, 'media port');
  const portCount = countText === undefined ? undefined : parsePort(countText, 'port count');
  return { type: type.toLowerCase(), port, portCount, proto, formats };
}

function parseRtpMap(value: string): RtpMap | undefined {
  const match = /^(\d{1,3})\s+([^/\s]+)\/(\d{1,6})(?:\/(\d{1,2}))?\s*$/.exec(value);
  const payloadType = match ? Number(match[1]) : NaN;
  if (!match || payloadType > 127) return undefined;
  const clockRate = Number(match[3]);
  if (clockRate === 0) return undefined;
  return {
    payloadType,
    encoding: match[2] ?? '',
    clockRate,
    channels: match[4] === undefined ? 1 : Math.max(1, Number(match[4])),
  };
}

function isRtpProfile(proto: string): boolean {
  return /^(UDP\/TLS\/)?RTP\/S?AVPF?$/i.test(proto);
}

export function parseSdp(input: Buffer | string): SdpSession {
  const text = typeof input === 'string' ? input : input.toString('utf8');
  const lines = text.split(/\r?\n/);
  if (lines.length > MAX_LINES) throw badInput(`SDP longer than ${MAX_LINES} lines`);

  const session: SdpSession = {
    version: -1,
    origin: undefined,
    sessionName: '',
    connection: undefined,
    attributes: [],
    direction: undefined,
    media: [],
  };
  interface Draft {
    media: SdpMedia;
    explicitMaps: Map<number, RtpMap>;
    direction: Direction | undefined;
  }
  const drafts: Draft[] = [];
  let current: Draft | undefined;

  for (const rawLine of lines) {
    const line = rawLine.trimEnd();
    if (line === '') continue;
    if (line.length < 2 || line[1] !== '=' || !/[a-z]/.test(line[0] ?? '')) {
      throw badInput(`invalid SDP line "${excerpt(line)}"`);
    }
    const type = line[0];
    const value = line.slice(2);
    if (session.version < 0 && type !== 'v') throw badInput('SDP does not start with v=');
    switch (type) {
      case 'v':
        if (session.version >= 0) throw badInput('SDP with two v= lines');
        if (value.trim() !== '0') throw badInput(`unsupported SDP version "${excerpt(value)}"`);
        session.version = 0;
        break;
      case 'o':
        if (!current) session.origin = parseOrigin(value);
        break;
      case 's':
        if (!current) session.sessionName = value;
        break;
      case 'c':
        if (current) current.media.connection = parseConnection(value);
        else session.connection = parseConnection(value);
        break;
      case 'm': {
        if (drafts.length >= MAX_MEDIA) throw badInput(`SDP with more than ${MAX_MEDIA} media`);
        const m = parseMediaLine(value);
        current = {
          media: {
            ...m,
            connection: undefined,
            attributes: [],
            direction: 'sendrecv',
            rtpmaps: [],
            fmtp: new Map(),
            label: undefined,
            ptime: undefined,
            rtcp: undefined,
          },
          explicitMaps: new Map(),
          direction: undefined,
        };
        drafts.push(current);
        break;
      }
      case 'a': {
        const colon = value.indexOf(':');
        const name = (colon < 0 ? value : value.slice(0, colon)).trim();
        const attrValue = colon < 0 ? undefined : value.slice(colon + 1).trim();
        const attribute = { name, value: attrValue };
        if (!current) {
          session.attributes.push(attribute);
          if (DIRECTIONS.has(name)) session.direction = name as Direction;
          break;
        }
        current.media.attributes.push(attribute);
        applyMediaAttribute(current, name, attrValue);
        break;
      }
      default:
        break; // i=, u=, e=, p=, b=, t=, r=, z=, k=: not needed for recording.
    }
  }
  if (session.version < 0) throw badInput('empty SDP');

  for (const draft of drafts) {
    const m = draft.media;
    m.direction = draft.direction ?? session.direction ?? 'sendrecv';
    if (isRtpProfile(m.proto)) {
      for (const format of m.formats) {
        if (!/^\d{1,3}$/.test(format) || Number(format) > 127) {
          throw badInput(`invalid RTP payload type "${excerpt(format)}"`);
        }
        const pt = Number(format);
        const explicit = draft.explicitMaps.get(pt);
        const fallback = STATIC_PAYLOAD_TYPES.get(pt);
        if (explicit) m.rtpmaps.push(explicit);
        else if (fallback) m.rtpmaps.push({ payloadType: pt, ...fallback });
      }
    }
    session.media.push(m);
  }
  return session;

  function applyMediaAttribute(draft: Draft, name: string, value: string | undefined): void {
    const m = draft.media;
    if (DIRECTIONS.has(name)) draft.direction = name as Direction;
    else if (name === 'rtpmap' && value !== undefined) {
      // A malformed rtpmap only makes its payload type unusable; it does not reject the whole offer.
      const map = parseRtpMap(value);
      if (map) draft.explicitMaps.set(map.payloadType, map);
    } else if (name === 'fmtp' && value !== undefined) {
      const match = /^(\d{1,3})\s+(.*)$/.exec(value);
      if (match) m.fmtp.set(Number(match[1]), match[2] ?? '');
    } else if (name === 'label' && value !== undefined) m.label = value;
    else if (name === 'ptime' && value !== undefined && /^\d{1,4}(\.\d+)?$/.test(value))
      m.ptime = Number(value);
    else if (name === 'rtcp' && value !== undefined) {
      const [port = '', , , address] = value.split(/\s+/);
      if (/^\d{1,5}$/.test(port) && Number(port) <= 65535) m.rtcp = { port: Number(port), address };
    }
  }
}

/** The telephone-event payload type offered on a stream, preferring one at `clockRate`. */
export function telephoneEventOf(media: SdpMedia, clockRate?: number): RtpMap | undefined {
  const events = media.rtpmaps.filter((r) => r.encoding.toLowerCase() === 'telephone-event');
  return events.find((r) => r.clockRate === clockRate) ?? events[0];
}

/** Effective connection address of a stream (media level, else session level). */
export function connectionOf(session: SdpSession, media: SdpMedia): SdpConnection | undefined {
  return media.connection ?? session.connection;
}

export interface HoldState {
  onHold: boolean;
  /** Why, for the first held stream: `inactive`, `sendonly`, `zero-address` (c=0.0.0.0 / ::). */
  reason: 'inactive' | 'sendonly' | 'zero-address' | undefined;
}

function isZeroAddress(address: string): boolean {
  return address === '0.0.0.0' || (address.includes(':') && /^[0:]+$/.test(address));
}

/**
 * Whether an offer puts the call on hold: every active audio stream is inactive, sent towards us only
 * (`sendonly`), or has a zero connection address (RFC 3264 §8.4, and the pre-3264 c=0.0.0.0 idiom).
 * A SIPREC recording client always offers `sendonly` streams, so pass `siprec: true` to treat only
 * `inactive` and zero addresses as hold (RFC 7866 §7.1.2: the SRC pauses by making streams inactive).
 */
export function holdStateOf(session: SdpSession, options: { siprec?: boolean } = {}): HoldState {
  const audio = session.media.filter((m) => m.type === 'audio' && m.port !== 0);
  if (audio.length === 0) return { onHold: false, reason: undefined };
  let reason: HoldState['reason'];
  for (const m of audio) {
    const address = connectionOf(session, m)?.address;
    if (address !== undefined && isZeroAddress(address)) reason ??= 'zero-address';
    else if (m.direction === 'inactive') reason ??= 'inactive';
    else if (m.direction === 'sendonly' && options.siprec !== true) reason ??= 'sendonly';
    else return { onHold: false, reason: undefined };
  }
  return { onHold: true, reason };
}
