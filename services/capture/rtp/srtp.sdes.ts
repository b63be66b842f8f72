import { randomBytes } from 'node:crypto';
import type { SdpMedia } from '../sip/sdp.ts';
import { isSrtpSuite, SUITE_PARAMS, type SrtpKeyMaterial, type SrtpSuite } from './srtp.ts';

/**
 * SDP security descriptions (RFC 4568) for SRTP streams: `a=crypto:<tag> <suite> inline:<base64 key||salt>
 * [|lifetime][|MKI:length] [session parameters]` on `RTP/SAVP` and `RTP/SAVPF` m-lines. The offerer's key protects
 * what the offerer sends, so the key an SRC offers is the one that decrypts the media the recorder receives; the
 * answer carries a fresh key of the recorder's own (which protects nothing: the recorder sends no media).
 *
 * Not supported, and refused per stream: MKI (several master keys), more than one key per line, key derivation
 * rates other than 0, unencrypted or unauthenticated SRTP/SRTCP, FEC parameters. DTLS-SRTP (`UDP/TLS/RTP/SAVP`,
 * a=fingerprint) is not SDES and is refused by the answer. Keys are never logged, spooled or archived: only the
 * suite name travels with the call.
 */

export interface SdesCrypto {
  tag: number;
  suite: SrtpSuite;
  /** Master key || master salt. */
  keySalt: Buffer;
}

export type SdesRefusal = 'unsupported-suite' | 'mki' | 'bad-key' | 'unsupported-parameter';

const SAVP = /^RTP\/SAVPF?$/i;

/** Whether an m-line's profile is SRTP with SDES keying (RTP/SAVP, RTP/SAVPF). */
export function isSdesProfile(proto: string): boolean {
  return SAVP.test(proto);
}

/** Whether an m-line's profile is any SRTP profile (SDES, or DTLS-SRTP's UDP/TLS/RTP/SAVP[F]). */
export function isSrtpProfile(proto: string): boolean {
  return /^(UDP\/TLS\/)?RTP\/SAVPF?$/i.test(proto);
}

/** Parses the value of one `a=crypto` attribute (without `crypto:`). */
export function parseCryptoAttribute(value: string): SdesCrypto | SdesRefusal {
  const fields = value.trim().split(/\s+/);
  const [tagText = '', suiteName = '', keyParams = '', ...sessionParams] = fields;
  if (!/^\d{1,9}$/.test(tagText)) return 'bad-key';
  if (!isSrtpSuite(suiteName)) return 'unsupported-suite';
  if (keyParams.includes(';')) return 'mki'; // several keys need MKIs to tell them apart
  const match = /^inline:([A-Za-z0-9+/=]+)((?:\|[^|]*){0,2})$/.exec(keyParams);
  if (!match) return 'bad-key';
  const params = SUITE_PARAMS[suiteName];
  const keySalt = Buffer.from(match[1] ?? '', 'base64');
  if (keySalt.length !== params.masterKeyBytes + params.masterSaltBytes) return 'bad-key';
  for (const part of (match[2] ?? '').split('|').slice(1)) {
    if (/^\d+:\d+$/.test(part)) return 'mki';
    if (!/^(2\^\d{1,2}|\d{1,20})$/.test(part)) return 'bad-key'; // lifetime: Escucha does not re-key, so ignored
  }
  for (const param of sessionParams) {
    const name = param.split('=')[0]?.toUpperCase() ?? '';
    if (name === 'WSH') continue; // window size hint: the replay window is fixed
    if (name === 'KDR' && param.split('=')[1] === '0') continue;
    return 'unsupported-parameter';
  }
  return { tag: Number(tagText), suite: suiteName, keySalt };
}

/** The first `a=crypto` line of a stream that Escucha can use, or why none can be. */
export function chooseSdesCrypto(
  media: SdpMedia,
  suites: readonly SrtpSuite[] = Object.keys(SUITE_PARAMS) as SrtpSuite[],
): SdesCrypto | SdesRefusal | 'no-crypto' {
  let refusal: SdesRefusal | 'no-crypto' = 'no-crypto';
  for (const attribute of media.attributes) {
    if (attribute.name !== 'crypto' || attribute.value === undefined) continue;
    const parsed = parseCryptoAttribute(attribute.value);
    if (typeof parsed === 'string') refusal = refusal === 'no-crypto' ? parsed : refusal;
    else if (suites.includes(parsed.suite)) return parsed;
    else refusal = 'unsupported-suite';
  }
  return refusal;
}

/** The key material a recorder decrypts the stream with. */
export function keyMaterialOf(crypto: SdesCrypto): SrtpKeyMaterial {
  return { suite: crypto.suite, keySalt: crypto.keySalt };
}

/** The answer's `a=crypto` value: the offer's tag and suite, with a fresh random key of the recorder's own. */
export function answerCryptoValue(offer: SdesCrypto): string {
  const params = SUITE_PARAMS[offer.suite];
  const key = randomBytes(params.masterKeyBytes + params.masterSaltBytes).toString('base64');
  return `${offer.tag} ${offer.suite} inline:${key}`;
}

/** Whether the recorder can take an m-line's profile: plain RTP, or SRTP with a usable SDES key. */
export function isRecordableProfile(media: SdpMedia): boolean {
  if (/^RTP\/AVPF?$/i.test(media.proto)) return true;
  return isSdesProfile(media.proto) && typeof chooseSdesCrypto(media) === 'object';
}

/** The note a call carries when some of its media is SRTP whose keys the capture does not show. */
export const ENCRYPTED_NOTE = 'encrypted: audio not recoverable (SRTP without its keys in the capture)';

/**
 * What a passive capture can do with an m-line: `undefined` for plain RTP, the key material of its sender (the party
 * whose SDP it is) for SRTP keyed by a visible SDES line, or `no-key` for SRTP whose keys are not in the SDP
 * (DTLS-SRTP, an unsupported suite, MKI).
 */
export function capturedSrtpOf(media: SdpMedia): SrtpKeyMaterial | 'no-key' | undefined {
  if (!isSrtpProfile(media.proto)) return undefined;
  if (!isSdesProfile(media.proto)) return 'no-key';
  const crypto = chooseSdesCrypto(media);
  return typeof crypto === 'object' ? keyMaterialOf(crypto) : 'no-key';
}
