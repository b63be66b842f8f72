import { EscuchaError } from '../../platform/errors.ts';
import { badInput } from '../parse-result.ts';
import { telephoneEventOf, type Direction, type RtpMap, type SdpSession } from './sdp.ts';
import type { SrtpKeyMaterial } from '../rtp/srtp.ts';
import { answerCryptoValue, chooseSdesCrypto, isSdesProfile, keyMaterialOf } from '../rtp/srtp.sdes.ts';

/**
 * The recording server's SDP answer (RFC 3264 offer/answer, RFC 7866 §8.1): one m= line per offered stream,
 * in the offer's order; each accepted stream receives only (`a=recvonly`) on a port from the caller's
 * allocator, with one codec and telephone-event when offered, and keeps its `a=label` so the metadata's
 * stream ids still match. Streams Escucha cannot record get port 0. An SRTP stream (`RTP/SAVP`, `RTP/SAVPF`) is
 * accepted when it offers an SDES key of a supported suite (srtp.sdes.ts): the answer echoes the tag and suite with
 * a fresh key, and the stream carries the offered key, which decrypts what the recorder receives.
 */

/** Codecs Escucha records, in preference order (RFC 3551 names; matched case-insensitively). */
export const DEFAULT_RECORDING_CODECS: readonly string[] = [
  'PCMU',
  'PCMA',
  'G722',
  'G729',
  'opus',
  'L16',
  'G726-32',
  'G726-40',
  'G726-24',
  'G726-16',
  'AAL2-G726-32',
  'AAL2-G726-40',
  'AAL2-G726-24',
  'AAL2-G726-16',
  'GSM',
  'AMR-WB',
  'AMR',
  'speex',
  'iLBC',
];

export type RejectReason =
  | 'port-zero-in-offer'
  | 'not-audio'
  | 'unsupported-profile'
  | 'no-supported-codec'
  | 'no-port'
  | 'no-supported-crypto';

export interface AnswerStream {
  /** Position of the m= line in offer and answer. */
  index: number;
  label: string | undefined;
  /** Our receiving port; 0 when the stream is rejected. */
  port: number;
  codec: RtpMap | undefined;
  telephoneEvent: RtpMap | undefined;
  direction: Direction;
  rejected: RejectReason | undefined;
  /** SRTP key material of an accepted SAVP stream (the offerer's key; never logged or stored). */
  srtp?: SrtpKeyMaterial | undefined;
}

export interface PortRequest {
  index: number;
  label: string | undefined;
  codec: RtpMap;
}

export interface SdpAnswerOptions {
  /** Address our RTP arrives on (IPv4 or IPv6 literal). */
  address: string;
  /** Returns an even RTP port for the stream, or undefined when none is free (the stream is rejected). */
  allocatePort: (request: PortRequest) => number | undefined;
  /** Codec names Escucha accepts, in preference order (default `DEFAULT_RECORDING_CODECS`). */
  codecs?: readonly string[];
  /**
   * `offer` (default): the first offered payload type Escucha supports, honouring the offerer's preference
   * (RFC 3264 §6.1). `ours`: the first codec of `codecs` that the offer contains.
   */
  preference?: 'offer' | 'ours';
  username?: string;
  sessionId?: string;
  sessionVersion?: string;
  sessionName?: string;
}

export interface SdpAnswer {
  sdp: string;
  streams: AnswerStream[];
}

const SAFE_FIELD = /^[\x21-\x7e]{1,128}$/;
const SAFE_VALUE = /^[^\r\n\0]{0,256}$/;

function addrType(address: string): 'IP4' | 'IP6' {
  return address.includes(':') ? 'IP6' : 'IP4';
}

function chooseCodec(
  rtpmaps: readonly RtpMap[],
  codecs: readonly string[],
  preference: 'offer' | 'ours',
): RtpMap | undefined {
  const wanted = codecs.map((c) => c.toLowerCase());
  const supported = rtpmaps.filter((r) => wanted.includes(r.encoding.toLowerCase()));
  if (preference === 'offer') return supported[0];
  for (const name of wanted) {
    const found = supported.find((r) => r.encoding.toLowerCase() === name);
    if (found) return found;
  }
  return undefined;
}

function rtpmapLine(map: RtpMap): string {
  const channels = map.channels > 1 ? `/${map.channels}` : '';
  return `a=rtpmap:${map.payloadType} ${map.encoding}/${map.clockRate}${channels}`;
}

export function buildSdpAnswer(offer: SdpSession, options: SdpAnswerOptions): SdpAnswer {
  const address = options.address;
  if (!SAFE_FIELD.test(address)) throw badInput('invalid answer address');
  const username = options.username ?? 'escucha';
  const sessionId = options.sessionId ?? offer.origin?.sessionId ?? '0';
  const sessionVersion = options.sessionVersion ?? '1';
  const sessionName = options.sessionName ?? 'escucha';
  for (const field of [username, sessionId, sessionVersion]) {
    if (!SAFE_FIELD.test(field)) throw badInput('invalid SDP origin field');
  }
  if (!SAFE_VALUE.test(sessionName) || sessionName === '') throw badInput('invalid SDP session name');
  const codecs = options.codecs ?? DEFAULT_RECORDING_CODECS;
  const preference = options.preference ?? 'offer';

  const lines = [
    'v=0',
    `o=${username} ${sessionId} ${sessionVersion} IN ${addrType(address)} ${address}`,
    `s=${sessionName}`,
    `c=IN ${addrType(address)} ${address}`,
    't=0 0',
  ];
  const streams: AnswerStream[] = [];

  offer.media.forEach((m, index) => {
    // RFC 3264 §6.1: an inactive or recvonly offered stream can only be answered inactive.
    const direction: Direction =
      m.direction === 'sendrecv' || m.direction === 'sendonly' ? 'recvonly' : 'inactive';
    let rejected: RejectReason | undefined;
    let codec: RtpMap | undefined;
    const crypto = isSdesProfile(m.proto) ? chooseSdesCrypto(m) : undefined;
    if (m.port === 0) rejected = 'port-zero-in-offer';
    else if (m.type !== 'audio') rejected = 'not-audio';
    else if (!/^RTP\/AVPF?$/i.test(m.proto) && crypto === undefined) rejected = 'unsupported-profile';
    else if (typeof crypto === 'string') rejected = 'no-supported-crypto';
    else {
      codec = chooseCodec(m.rtpmaps, codecs, preference);
      if (!codec) rejected = 'no-supported-codec';
    }
    let port = 0;
    if (codec && !rejected) {
      const allocated = options.allocatePort({ index, label: m.label, codec });
      if (allocated === undefined) rejected = 'no-port';
      else if (!Number.isInteger(allocated) || allocated <= 0 || allocated > 65535) {
        throw new EscuchaError('INTERNAL', `port allocator returned ${String(allocated)}`);
      } else port = allocated;
    }
    const label = m.label !== undefined && SAFE_VALUE.test(m.label) ? m.label : undefined;

    if (rejected || !codec) {
      const formats = m.formats.length > 0 ? m.formats.join(' ') : '0';
      lines.push(`m=${m.type} 0 ${m.proto} ${formats}`);
      if (label !== undefined) lines.push(`a=label:${label}`);
      streams.push({
        index,
        label,
        port: 0,
        codec: undefined,
        telephoneEvent: undefined,
        direction,
        rejected,
      });
      return;
    }
    const telephoneEvent = telephoneEventOf(m, codec.clockRate);
    const payloadTypes = [codec.payloadType, ...(telephoneEvent ? [telephoneEvent.payloadType] : [])];
    lines.push(`m=audio ${port} ${m.proto} ${payloadTypes.join(' ')}`);
    lines.push(rtpmapLine(codec));
    const codecFmtp = m.fmtp.get(codec.payloadType);
    if (codecFmtp !== undefined && SAFE_VALUE.test(codecFmtp)) {
      lines.push(`a=fmtp:${codec.payloadType} ${codecFmtp}`);
    }
    if (telephoneEvent) {
      lines.push(rtpmapLine(telephoneEvent));
      const eventFmtp = m.fmtp.get(telephoneEvent.payloadType);
      const events = eventFmtp !== undefined && SAFE_VALUE.test(eventFmtp) ? eventFmtp : '0-15';
      lines.push(`a=fmtp:${telephoneEvent.payloadType} ${events}`);
    }
    if (m.ptime !== undefined) lines.push(`a=ptime:${m.ptime}`);
    if (label !== undefined) lines.push(`a=label:${label}`);
    if (typeof crypto === 'object') lines.push(`a=crypto:${answerCryptoValue(crypto)}`);
    lines.push(`a=${direction}`);
    const srtp = typeof crypto === 'object' ? keyMaterialOf(crypto) : undefined;
    streams.push({ index, label, port, codec, telephoneEvent, direction, rejected: undefined, srtp });
  });
  return { sdp: `${lines.join('\r\n')}\r\n`, streams };
}
