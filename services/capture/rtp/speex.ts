/**
 * Speex over RTP (RFC 5574): a packet holds one or more 20 ms frames packed bit after bit, each a narrowband layer
 * (a wideband flag bit, a 4-bit mode and that mode's bits) followed, in wideband and ultra-wideband streams, by
 * one or two higher-band layers; in-band signalling and a terminator may sit between them. The frames are cut
 * apart here, each into its own byte-aligned packet, so that ffmpeg decodes exactly one frame per packet and the
 * samples of every RTP packet are known.
 */

export type SpeexBand = 'nb' | 'wb' | 'uwb';

/** Bits of a narrowband frame per mode, its 5 header bits included (modes 9 to 12 are reserved). */
const NB_BITS = [5, 43, 119, 160, 220, 300, 364, 492, 79];
/** Bits of a higher-band layer per sub-mode, its 4 header bits included (-1: reserved). */
const SB_BITS = [4, 36, 112, 192, 352, -1, -1, -1];

const RATES: Record<SpeexBand, number> = { nb: 8000, wb: 16000, uwb: 32000 };

/** The band of a Speex stream from its RTP clock rate. */
export function speexBandOf(clockRate: number): SpeexBand {
  return clockRate >= 32000 ? 'uwb' : clockRate >= 16000 ? 'wb' : 'nb';
}

export function speexSampleRate(band: SpeexBand): number {
  return RATES[band];
}

/** Samples in one 20 ms frame. */
export function speexFrameSamples(band: SpeexBand): number {
  return RATES[band] / 50;
}

/** Bits skipped by a narrowband in-band request (mode 14), by its 4-bit code (speex_inband_handler). */
function inbandBits(code: number): number {
  return code < 2 ? 1 : code < 8 ? 4 : code < 10 ? 8 : code < 12 ? 16 : code < 14 ? 32 : 64;
}

function bit(data: Buffer, at: number): number {
  return ((data[at >> 3] ?? 0) >> (7 - (at & 7))) & 1;
}

function bits(data: Buffer, at: number, count: number): number {
  let value = 0;
  for (let i = 0; i < count; i++) value = (value << 1) | bit(data, at + i);
  return value;
}

/** Bits `[from, to)` of `data` as a new packet, padded as Speex pads: a 0 then 1s to the byte's end. */
function extract(data: Buffer, from: number, to: number): Buffer {
  const length = to - from;
  const out = Buffer.alloc(Math.ceil((length + 1) / 8));
  for (let i = 0; i < length; i++) if (bit(data, from + i)) out[i >> 3]! |= 0x80 >> (i & 7);
  for (let i = length + 1; i < out.length * 8; i++) out[i >> 3]! |= 0x80 >> (i & 7);
  return out;
}

/**
 * The frames of one RTP payload, each as a packet of its own. Parsing stops at a terminator, at a reserved mode,
 * or where the bits left cannot hold a frame header.
 */
export function speexFrames(payload: Buffer): Buffer[] {
  const total = payload.length * 8;
  const frames: Buffer[] = [];
  let at = 0;
  while (total - at >= 5) {
    let start = -1;
    // The narrowband layer, after any in-band signalling.
    while (total - at >= 5 && start < 0) {
      if (bit(payload, at) === 1) return frames; // a higher-band layer where a frame should start
      const mode = bits(payload, at + 1, 4);
      if (mode === 15) return frames; // terminator
      if (mode === 14) {
        at += 5 + 4 + inbandBits(bits(payload, at + 5, 4));
      } else if (mode === 13) {
        at += 5 + 4 + 5 + 8 * bits(payload, at + 5, 4);
      } else if (mode > 8) {
        return frames;
      } else {
        start = at;
        at += NB_BITS[mode]!;
      }
    }
    if (start < 0 || at > total) return frames;
    // Higher-band layers (wideband, then ultra-wideband), each flagged by a leading 1; what cannot be one (padding
    // of 1s) ends the frame, and the packet.
    let end = false;
    for (let layer = 0; layer < 2 && total - at >= 4 && bit(payload, at) === 1; layer++) {
      const size = SB_BITS[bits(payload, at + 1, 3)] ?? -1;
      end = size < 0 || at + size > total;
      if (end) break;
      at += size;
    }
    frames.push(extract(payload, start, at));
    if (end) return frames;
  }
  return frames;
}

/** The 80-byte Speex header of an Ogg Speex stream (speex_header.h) for one frame per packet. */
export function speexHeader(band: SpeexBand): Buffer {
  const h = Buffer.alloc(80);
  h.write('Speex   ', 0, 'latin1');
  h.write('1.2', 8, 'latin1'); // version string (20 bytes)
  h.writeInt32LE(1, 28); // version id
  h.writeInt32LE(80, 32); // header size
  h.writeInt32LE(RATES[band], 36);
  h.writeInt32LE(band === 'nb' ? 0 : band === 'wb' ? 1 : 2, 40); // mode
  h.writeInt32LE(4, 44); // bitstream version
  h.writeInt32LE(1, 48); // channels
  h.writeInt32LE(-1, 52); // bitrate
  h.writeInt32LE(speexFrameSamples(band), 56);
  h.writeInt32LE(0, 60); // vbr
  h.writeInt32LE(1, 64); // frames per packet
  h.writeInt32LE(0, 68); // extra headers
  return h;
}
