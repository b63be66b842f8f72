import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  createSecretKey,
  type Cipher,
  type KeyObject,
} from 'node:crypto';

/**
 * SRTP and SRTCP (RFC 3711) with the suites SDES (RFC 4568) and RFC 7714 name: AES_CM_128_HMAC_SHA1_80 and _32
 * (AES-128 counter mode, HMAC-SHA1 tag of 80 or 32 bits; SRTCP always 80), AEAD_AES_128_GCM and AEAD_AES_256_GCM
 * (16-byte tag). Keys come from the master key and salt through the AES-CM PRF (key derivation rate 0, so once per
 * context: the session keys do not depend on the SSRC). Each SSRC keeps its roll-over counter, highest sequence
 * number and a 128-packet replay window (RFC 3711 §3.3.1, §3.3.2, Appendix A).
 *
 * `unprotectRtp`/`unprotectRtcp` decrypt in place and return the length of the plain packet, or a negative code when
 * the packet is dropped (counted in `stats`). The per-packet path reuses one AES-ECB cipher for the counter-mode
 * keystream (a new AES-CTR cipher per packet costs about four times as much); HMAC and GCM need an object per packet
 * (node cannot reset or re-IV one).
 * `protectRtp`/`protectRtcp` are the sending side, used by tests and benchmarks (the recording server sends no
 * media).
 */

export const SRTP_SUITES = [
  'AES_CM_128_HMAC_SHA1_80',
  'AES_CM_128_HMAC_SHA1_32',
  'AEAD_AES_128_GCM',
  'AEAD_AES_256_GCM',
] as const;
export type SrtpSuite = (typeof SRTP_SUITES)[number];

export interface SrtpSuiteParams {
  masterKeyBytes: number;
  masterSaltBytes: number;
  aead: boolean;
  /** HMAC key length (0 for AEAD). */
  authKeyBytes: number;
  /** Tag length of SRTP and of SRTCP packets. */
  rtpTagBytes: number;
  rtcpTagBytes: number;
}

export const SUITE_PARAMS: Readonly<Record<SrtpSuite, SrtpSuiteParams>> = {
  AES_CM_128_HMAC_SHA1_80: {
    masterKeyBytes: 16,
    masterSaltBytes: 14,
    aead: false,
    authKeyBytes: 20,
    rtpTagBytes: 10,
    rtcpTagBytes: 10,
  },
  AES_CM_128_HMAC_SHA1_32: {
    masterKeyBytes: 16,
    masterSaltBytes: 14,
    aead: false,
    authKeyBytes: 20,
    rtpTagBytes: 4,
    rtcpTagBytes: 10,
  },
  AEAD_AES_128_GCM: {
    masterKeyBytes: 16,
    masterSaltBytes: 12,
    aead: true,
    authKeyBytes: 0,
    rtpTagBytes: 16,
    rtcpTagBytes: 16,
  },
  AEAD_AES_256_GCM: {
    masterKeyBytes: 32,
    masterSaltBytes: 12,
    aead: true,
    authKeyBytes: 0,
    rtpTagBytes: 16,
    rtcpTagBytes: 16,
  },
};

export function isSrtpSuite(name: string): name is SrtpSuite {
  return (SRTP_SUITES as readonly string[]).includes(name);
}

/** Dropped-packet codes of `unprotectRtp`/`unprotectRtcp`. */
export const SRTP_MALFORMED = -1;
export const SRTP_AUTH_FAILED = -2;
export const SRTP_REPLAYED = -3;

export interface SrtpStats {
  /** Packets decrypted and authenticated (RTP and RTCP). */
  rtpOk: number;
  rtcpOk: number;
  /** Packets whose tag did not match (dropped). */
  authFailures: number;
  /** Packets already received, or too old for the replay window (dropped). */
  replayed: number;
  /** Packets too short for the suite or not RTP/RTCP at all (dropped). */
  malformed: number;
}

/**
 * The AES-CM PRF of RFC 3711 §4.3.3: `length` bytes of AES counter mode under the master key, with IV
 * (master salt XOR (label || r)) * 2^16, key derivation rate 0 (r = 0). A 12-byte AEAD master salt is padded
 * with two zero bytes (RFC 7714 §11).
 */
export function deriveSessionKey(
  masterKey: Buffer,
  masterSalt: Buffer,
  label: number,
  length: number,
): Buffer {
  const iv = Buffer.alloc(16);
  masterSalt.copy(iv, 0, 0, Math.min(14, masterSalt.length));
  iv[7]! ^= label;
  const cipher = createCipheriv(masterKey.length === 32 ? 'aes-256-ctr' : 'aes-128-ctr', masterKey, iv);
  return Buffer.concat([cipher.update(Buffer.alloc(length)), cipher.final()]);
}

/** Session keys of one direction of RTP or RTCP. */
interface SessionKeys {
  cipherKey: Buffer;
  cipherKeyObject: KeyObject;
  salt: Buffer;
  /** Counter-mode keystream: one ECB cipher reused for every packet (AES-CM suites only). */
  ecb: Cipher | undefined;
  /** HMAC-SHA1 key (AES-CM suites only). */
  authKey: Buffer | undefined;
}

function sessionKeys(
  suite: SrtpSuiteParams,
  masterKey: Buffer,
  masterSalt: Buffer,
  labels: readonly [number, number, number],
): SessionKeys {
  const keyBytes = suite.masterKeyBytes;
  const cipherKey = deriveSessionKey(masterKey, masterSalt, labels[0], keyBytes);
  const salt = deriveSessionKey(masterKey, masterSalt, labels[2], suite.masterSaltBytes);
  if (suite.aead) {
    return {
      cipherKey,
      cipherKeyObject: createSecretKey(cipherKey),
      salt,
      ecb: undefined,
      authKey: undefined,
    };
  }
  const authKey = deriveSessionKey(masterKey, masterSalt, labels[1], suite.authKeyBytes);
  const ecb = createCipheriv('aes-128-ecb', cipherKey, null);
  ecb.setAutoPadding(false);
  return { cipherKey, cipherKeyObject: createSecretKey(cipherKey), salt, ecb, authKey };
}

/** Receiving (and sending) state of one SSRC. */
class SsrcState {
  /** Roll-over counter and highest sequence number authenticated (s_l). */
  roc = 0;
  highestSeq = 0;
  started = false;
  highestIndex = -1;
  /** Index + 1 of recently accepted packets, by index modulo the window (0: empty). */
  readonly window = new Float64Array(REPLAY_WINDOW);
  /** Packets that failed while roll-over counters above 0 were also tried (before the first success). */
  guesses = 0;
  /** Sender side: next SRTCP index. */
  rtcpIndex = 0;
}

const REPLAY_WINDOW = 128;
/** SSRCs one context keeps state for (a stream has one, or a few after a sender restarts). */
const MAX_SSRCS = 256;
/** Roll-over counters tried beyond 0 for a stream not yet authenticated (8 × 65,536 packets: 2.9 h at 50/s). */
const ROC_GUESSES = 7;
/** Packets of such a stream for which they are tried (bounding what garbage sent to a port costs). */
const ROC_GUESS_PACKETS = 16;
const RTP_HEADER_BYTES = 12;
const SRTCP_HEADER_BYTES = 8;
const SRTCP_INDEX_BYTES = 4;

/** Counter blocks (and the ROC bytes for HMAC) shared by every context: one packet is handled at a time. */
let counters = Buffer.alloc(2048);
const rocBytes = Buffer.alloc(4);
const gcmIv = Buffer.alloc(12);

/** Where the payload of the RTP packet starts (after CSRCs and the header extension), or -1. */
function rtpHeaderLength(data: Buffer, length: number): number {
  if (length < RTP_HEADER_BYTES || data[0]! >> 6 !== 2) return -1;
  let offset = RTP_HEADER_BYTES + (data[0]! & 0x0f) * 4;
  if ((data[0]! & 0x10) !== 0) {
    if (length < offset + 4) return -1;
    offset += 4 + ((data[offset + 2]! << 8) | data[offset + 3]!) * 4;
  }
  return offset <= length ? offset : -1;
}

/** XORs the AES-CM keystream of (SSRC, index) into `data[from, to)`. */
function cmXor(keys: SessionKeys, data: Buffer, from: number, to: number, ssrc: number, index: number): void {
  const length = to - from;
  if (length <= 0) return;
  const blocks = (length + 15) >> 4;
  if (counters.length < blocks * 16) counters = Buffer.alloc(blocks * 16 * 2);
  const salt = keys.salt;
  // IV = (k_s * 2^16) XOR (SSRC * 2^64) XOR (i * 2^16); the low 16 bits count blocks.
  const high = Math.floor(index / 4294967296);
  const low = index >>> 0;
  const b0 = salt.readUInt32BE(0);
  const b1 = (salt.readUInt32BE(4) ^ ssrc) >>> 0;
  const b2 = (salt.readUInt32BE(8) ^ ((high << 16) | (low >>> 16))) >>> 0;
  const b3hi = (salt.readUInt16BE(12) ^ (low & 0xffff)) << 16;
  for (let block = 0; block < blocks; block++) {
    const at = block * 16;
    counters.writeUInt32BE(b0, at);
    counters.writeUInt32BE(b1, at + 4);
    counters.writeUInt32BE(b2, at + 8);
    counters.writeUInt32BE((b3hi | block) >>> 0, at + 12);
  }
  const stream = keys.ecb!.update(counters.subarray(0, blocks * 16));
  for (let i = 0; i < length; i++) data[from + i]! ^= stream[i]!;
}

/** The AES-CM keystream for a session key and salt, SSRC and packet index (RFC 3711 §4.1.1; Appendix B.2). */
export function aesCmKeystream(
  sessionKey: Buffer,
  sessionSalt: Buffer,
  ssrc: number,
  index: number,
  length: number,
): Buffer {
  const ecb = createCipheriv('aes-128-ecb', sessionKey, null);
  ecb.setAutoPadding(false);
  const keys = { salt: sessionSalt, ecb } as SessionKeys;
  const out = Buffer.alloc(length);
  cmXor(keys, out, 0, length, ssrc, index);
  return out;
}

export interface SrtpKeyMaterial {
  suite: SrtpSuite;
  /** Master key || master salt, as SDES `inline:` carries them. */
  keySalt: Buffer;
}

export class SrtpContext {
  readonly suite: SrtpSuite;
  readonly params: SrtpSuiteParams;
  readonly stats: SrtpStats = { rtpOk: 0, rtcpOk: 0, authFailures: 0, replayed: 0, malformed: 0 };
  private readonly rtp: SessionKeys;
  private readonly rtcp: SessionKeys;
  private readonly states = new Map<number, SsrcState>();
  private lastSsrc = -1;
  private lastState: SsrcState | undefined;
  private readonly gcmAlgorithm: 'aes-128-gcm' | 'aes-256-gcm';

  constructor(material: SrtpKeyMaterial) {
    this.suite = material.suite;
    const params = SUITE_PARAMS[material.suite];
    this.params = params;
    const expected = params.masterKeyBytes + params.masterSaltBytes;
    if (material.keySalt.length !== expected) {
      throw new Error(`${material.suite} needs ${expected} bytes of key and salt`);
    }
    const masterKey = material.keySalt.subarray(0, params.masterKeyBytes);
    const masterSalt = material.keySalt.subarray(params.masterKeyBytes);
    this.rtp = sessionKeys(params, masterKey, masterSalt, [0, 1, 2]);
    this.rtcp = sessionKeys(params, masterKey, masterSalt, [3, 4, 5]);
    this.gcmAlgorithm = params.masterKeyBytes === 32 ? 'aes-256-gcm' : 'aes-128-gcm';
  }

  private state(ssrc: number): SsrcState {
    if (ssrc === this.lastSsrc && this.lastState) return this.lastState;
    let state = this.states.get(ssrc);
    if (!state) {
      state = new SsrcState();
      // Packets with ever new SSRCs (garbage sent to the port) must not grow the table without bound: SSRCs that
      // never authenticated are forgotten first, and past the bound a new one is not kept.
      if (this.states.size >= MAX_SSRCS) {
        for (const [key, value] of this.states) if (!value.started) this.states.delete(key);
        this.lastSsrc = -1;
        this.lastState = undefined;
      }
      if (this.states.size >= MAX_SSRCS) return state;
      this.states.set(ssrc, state);
    }
    this.lastSsrc = ssrc;
    this.lastState = state;
    return state;
  }

  /**
   * Authenticates and decrypts an SRTP packet in place. Returns the length of the RTP packet (header, payload,
   * padding: the tag removed), or SRTP_MALFORMED / SRTP_AUTH_FAILED / SRTP_REPLAYED when it is dropped.
   */
  unprotectRtp(data: Buffer): number {
    const tagBytes = this.params.rtpTagBytes;
    const end = data.length - tagBytes;
    const headerLength = rtpHeaderLength(data, end);
    if (headerLength < 0) {
      this.stats.malformed++;
      return SRTP_MALFORMED;
    }
    const seq = (data[2]! << 8) | data[3]!;
    const ssrc = ((data[8]! << 24) | (data[9]! << 16) | (data[10]! << 8) | data[11]!) >>> 0;
    const state = this.state(ssrc);
    // RFC 3711 §3.3.1 / Appendix A: the ROC the sender most likely used.
    let v = state.roc;
    if (state.started) {
      const sl = state.highestSeq;
      if (sl < 32768) {
        if (seq - sl > 32768) v = state.roc - 1;
      } else if (sl - 32768 > seq) v = state.roc + 1;
    }
    if (v < 0) {
      this.stats.replayed++;
      return SRTP_REPLAYED;
    }
    const index = v * 65536 + seq;
    if (state.started) {
      if (index <= state.highestIndex - REPLAY_WINDOW) {
        this.stats.replayed++;
        return SRTP_REPLAYED;
      }
      if (state.window[index % REPLAY_WINDOW] === index + 1) {
        this.stats.replayed++;
        return SRTP_REPLAYED;
      }
    }
    let ok = this.open(data, headerLength, end, ssrc, v, seq);
    // A stream met mid-call (a capture started late) may already have wrapped: until one of its packets has
    // authenticated, the next few roll-over counters are tried too, for a bounded number of packets.
    if (!ok && !state.started && state.guesses < ROC_GUESS_PACKETS) {
      state.guesses++;
      for (let guess = 1; guess <= ROC_GUESSES && !ok; guess++) {
        ok = this.open(data, headerLength, end, ssrc, guess, seq);
        if (ok) v = guess;
      }
    }
    if (!ok) {
      this.stats.authFailures++;
      return SRTP_AUTH_FAILED;
    }
    const accepted = v * 65536 + seq;
    if (!state.started) {
      state.started = true;
      state.roc = v;
      state.highestSeq = seq;
    } else if (v > state.roc) {
      state.roc = v;
      state.highestSeq = seq;
    } else if (v === state.roc && seq > state.highestSeq) state.highestSeq = seq;
    if (accepted > state.highestIndex) state.highestIndex = accepted;
    state.window[accepted % REPLAY_WINDOW] = accepted + 1;
    this.stats.rtpOk++;
    return end;
  }

  /** Authenticates and decrypts the packet under roll-over counter `roc` (nothing is changed when it fails). */
  private open(
    data: Buffer,
    headerLength: number,
    end: number,
    ssrc: number,
    roc: number,
    seq: number,
  ): boolean {
    if (this.params.aead) {
      return this.gcmOpen(
        this.rtp,
        data,
        headerLength,
        end,
        rtpIv(this.rtp.salt, ssrc, roc, seq),
        data.subarray(0, headerLength),
      );
    }
    return this.cmOpenRtp(data, headerLength, end, ssrc, roc, roc * 65536 + seq);
  }

  private cmOpenRtp(
    data: Buffer,
    headerLength: number,
    end: number,
    ssrc: number,
    roc: number,
    index: number,
  ): boolean {
    rocBytes.writeUInt32BE(roc >>> 0, 0);
    const tagBytes = this.params.rtpTagBytes;
    if (!this.hmacMatches(this.rtp, data, end, rocBytes, tagBytes)) return false;
    cmXor(this.rtp, data, headerLength, end, ssrc, index);
    return true;
  }

  /** HMAC-SHA1 over `data[0, end)` (|| `extra`) compared with the `tagBytes` after `end`. */
  private hmacMatches(
    keys: SessionKeys,
    data: Buffer,
    end: number,
    extra: Buffer | undefined,
    tagBytes: number,
  ): boolean {
    const mac = this.hmac(keys, data, end, extra);
    let diff = 0;
    for (let i = 0; i < tagBytes; i++) diff |= mac[i]! ^ data[end + i]!;
    return diff === 0;
  }

  private hmac(keys: SessionKeys, data: Buffer, end: number, extra: Buffer | undefined): Buffer {
    // A new HMAC per packet: cheaper in node than copying prepared SHA-1 states (BENCHMARKS.md).
    const mac = createHmac('sha1', keys.authKey!).update(data.subarray(0, end));
    if (extra) mac.update(extra);
    return mac.digest();
  }

  /**
   * AES-GCM open: ciphertext `data[from, tagAt)`, tag the 16 bytes at `tagAt`, `aad` the associated data; the
   * plaintext is written back in place.
   */
  private gcmOpen(
    keys: SessionKeys,
    data: Buffer,
    from: number,
    tagAt: number,
    iv: Buffer,
    aad: Buffer,
  ): boolean {
    if (tagAt < from || data.length < tagAt + 16) return false;
    const decipher = createDecipheriv(this.gcmAlgorithm, keys.cipherKeyObject, iv, { authTagLength: 16 });
    decipher.setAuthTag(data.subarray(tagAt, tagAt + 16));
    decipher.setAAD(aad);
    const plain = from < tagAt ? decipher.update(data.subarray(from, tagAt)) : undefined;
    try {
      decipher.final();
    } catch {
      return false;
    }
    plain?.copy(data, from);
    return true;
  }

  /**
   * Authenticates and decrypts an SRTCP packet in place. Returns the length of the RTCP compound packet, or a
   * negative code when it is dropped.
   */
  unprotectRtcp(data: Buffer): number {
    const tagBytes = this.params.rtcpTagBytes;
    const length = data.length;
    if (length < SRTCP_HEADER_BYTES + SRTCP_INDEX_BYTES + tagBytes || data[0]! >> 6 !== 2) {
      this.stats.malformed++;
      return SRTP_MALFORMED;
    }
    const ssrc = data.readUInt32BE(4);
    if (this.params.aead) {
      // RFC 7714 §9: header || ciphertext || tag || E+index; AAD = header || E+index (whole packet when E = 0).
      const indexAt = length - SRTCP_INDEX_BYTES;
      const word = data.readUInt32BE(indexAt);
      const encrypted = (word & 0x80000000) !== 0;
      const index = word & 0x7fffffff;
      const iv = rtcpIv(this.rtcp.salt, ssrc, index);
      const tagAt = indexAt - 16;
      const trailer = data.subarray(indexAt, length);
      const ok = encrypted
        ? this.gcmOpen(
            this.rtcp,
            data,
            SRTCP_HEADER_BYTES,
            tagAt,
            iv,
            concat2(data.subarray(0, SRTCP_HEADER_BYTES), trailer),
          )
        : this.gcmOpen(this.rtcp, data, tagAt, tagAt, iv, concat2(data.subarray(0, tagAt), trailer));
      if (!ok) {
        this.stats.authFailures++;
        return SRTP_AUTH_FAILED;
      }
      this.stats.rtcpOk++;
      return indexAt - 16;
    }
    // RFC 3711 §3.4: header || encrypted || E+index || tag; the tag covers everything before it.
    const tagAt = length - tagBytes;
    const indexAt = tagAt - SRTCP_INDEX_BYTES;
    if (!this.hmacMatches(this.rtcp, data, tagAt, undefined, tagBytes)) {
      this.stats.authFailures++;
      return SRTP_AUTH_FAILED;
    }
    const word = data.readUInt32BE(indexAt);
    if ((word & 0x80000000) !== 0) {
      cmXor(this.rtcp, data, SRTCP_HEADER_BYTES, indexAt, ssrc, word & 0x7fffffff);
    }
    this.stats.rtcpOk++;
    return indexAt;
  }

  /**
   * Encrypts an RTP packet (sender side, for tests and benchmarks): returns a new buffer with the tag. `roc`
   * overrides the roll-over counter the context keeps per SSRC from the sequence numbers it sees.
   */
  protectRtp(packet: Buffer, roc?: number): Buffer {
    const headerLength = rtpHeaderLength(packet, packet.length);
    if (headerLength < 0) throw new Error('not an RTP packet');
    const seq = packet.readUInt16BE(2);
    const ssrc = packet.readUInt32BE(8);
    const state = this.state(ssrc);
    if (roc !== undefined) state.roc = roc;
    else if (state.started && seq < state.highestSeq && state.highestSeq - seq > 32768) state.roc++;
    state.started = true;
    state.highestSeq = seq;
    const v = state.roc;
    const tagBytes = this.params.rtpTagBytes;
    const out = Buffer.alloc(packet.length + tagBytes);
    packet.copy(out);
    if (this.params.aead) {
      const cipher = createCipheriv(
        this.gcmAlgorithm,
        this.rtp.cipherKeyObject,
        rtpIv(this.rtp.salt, ssrc, v, seq),
        {
          authTagLength: 16,
        },
      );
      cipher.setAAD(packet.subarray(0, headerLength));
      cipher.update(packet.subarray(headerLength)).copy(out, headerLength);
      cipher.final();
      cipher.getAuthTag().copy(out, packet.length);
      return out;
    }
    cmXor(this.rtp, out, headerLength, packet.length, ssrc, v * 65536 + seq);
    rocBytes.writeUInt32BE(v >>> 0, 0);
    this.hmac(this.rtp, out, packet.length, rocBytes).copy(out, packet.length, 0, tagBytes);
    return out;
  }

  /** Encrypts an RTCP compound packet (sender side): `index` overrides the SRTCP index kept per SSRC. */
  protectRtcp(packet: Buffer, index?: number, encrypt = true): Buffer {
    if (packet.length < SRTCP_HEADER_BYTES) throw new Error('not an RTCP packet');
    const ssrc = packet.readUInt32BE(4);
    const state = this.state(ssrc);
    const i = index ?? state.rtcpIndex;
    state.rtcpIndex = (i + 1) & 0x7fffffff;
    const word = Buffer.alloc(4);
    word.writeUInt32BE(((encrypt ? 0x80000000 : 0) | i) >>> 0, 0);
    const tagBytes = this.params.rtcpTagBytes;
    if (this.params.aead) {
      const cipher = createCipheriv(
        this.gcmAlgorithm,
        this.rtcp.cipherKeyObject,
        rtcpIv(this.rtcp.salt, ssrc, i),
        {
          authTagLength: 16,
        },
      );
      if (encrypt) {
        cipher.setAAD(Buffer.concat([packet.subarray(0, SRTCP_HEADER_BYTES), word]));
        const body = cipher.update(packet.subarray(SRTCP_HEADER_BYTES));
        cipher.final();
        return Buffer.concat([packet.subarray(0, SRTCP_HEADER_BYTES), body, cipher.getAuthTag(), word]);
      }
      cipher.setAAD(Buffer.concat([packet, word]));
      cipher.final();
      return Buffer.concat([packet, cipher.getAuthTag(), word]);
    }
    const out = Buffer.alloc(packet.length + SRTCP_INDEX_BYTES + tagBytes);
    packet.copy(out);
    if (encrypt) cmXor(this.rtcp, out, SRTCP_HEADER_BYTES, packet.length, ssrc, i);
    word.copy(out, packet.length);
    const tagAt = packet.length + SRTCP_INDEX_BYTES;
    this.hmac(this.rtcp, out, tagAt, undefined).copy(out, tagAt, 0, tagBytes);
    return out;
  }
}

function concat2(a: Buffer, b: Buffer): Buffer {
  return Buffer.concat([a, b], a.length + b.length);
}

/** RFC 7714 §8.1: (00 00 || SSRC || ROC || SEQ) XOR salt. The buffer is shared: use it before the next call. */
function rtpIv(salt: Buffer, ssrc: number, roc: number, seq: number): Buffer {
  gcmIv.writeUInt16BE(0, 0);
  gcmIv.writeUInt32BE(ssrc >>> 0, 2);
  gcmIv.writeUInt32BE(roc >>> 0, 6);
  gcmIv.writeUInt16BE(seq, 10);
  for (let i = 0; i < 12; i++) gcmIv[i]! ^= salt[i]!;
  return gcmIv;
}

/** RFC 7714 §9.1: (00 00 || SSRC || 00 00 || 0 || SRTCP index) XOR salt. */
function rtcpIv(salt: Buffer, ssrc: number, index: number): Buffer {
  gcmIv.writeUInt16BE(0, 0);
  gcmIv.writeUInt32BE(ssrc >>> 0, 2);
  gcmIv.writeUInt16BE(0, 6);
  gcmIv.writeUInt32BE(index & 0x7fffffff, 8);
  for (let i = 0; i < 12; i++) gcmIv[i]! ^= salt[i]!;
  return gcmIv;
}
