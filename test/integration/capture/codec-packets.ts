import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * RTP payloads of the codecs ffmpeg decodes but Debian's cannot encode, made from the encoded fixtures in
 * test/fixtures/capture/codecs (see its README), and Speex from ffmpeg's libspeex encoder. The packers here follow
 * RFC 3952 and RFC 4867 on their own, independently of the depacketisers under test.
 */

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/capture/codecs');

export function fixture(name: string): Buffer {
  return readFileSync(path.join(FIXTURES, name));
}

/** iLBC frames of a `#!iLBC20\n` / `#!iLBC30\n` storage file. */
export function ilbcFrames(file: Buffer): Buffer[] {
  const header = file.toString('latin1', 0, 9);
  const size = header === '#!iLBC20\n' ? 38 : header === '#!iLBC30\n' ? 50 : 0;
  if (size === 0) throw new Error('not an iLBC storage file');
  const frames: Buffer[] = [];
  for (let at = 9; at + size <= file.length; at += size) frames.push(file.subarray(at, at + size));
  return frames;
}

export type AmrKind = 'amr' | 'amr-wb';

/** Speech bits per frame type (RFC 4867 §3.6 tables; 15 is no data). */
const AMR_BITS: Record<AmrKind, Record<number, number>> = {
  amr: { 0: 95, 1: 103, 2: 118, 3: 134, 4: 148, 5: 159, 6: 204, 7: 244, 8: 39, 15: 0 },
  'amr-wb': { 0: 132, 1: 177, 2: 253, 3: 285, 4: 317, 5: 365, 6: 397, 7: 461, 8: 477, 9: 40, 14: 0, 15: 0 },
};

export interface AmrFrame {
  type: number;
  quality: number;
  /** The speech bits, from the most significant bit of the first byte. */
  data: Buffer;
}

/** Frames of an AMR / AMR-WB storage file (after its magic). */
export function amrFrames(kind: AmrKind, file: Buffer): AmrFrame[] {
  const magic = kind === 'amr' ? '#!AMR\n' : '#!AMR-WB\n';
  if (file.toString('latin1', 0, magic.length) !== magic) throw new Error(`not an ${kind} storage file`);
  const frames: AmrFrame[] = [];
  for (let at = magic.length; at < file.length;) {
    const type = (file[at]! >> 3) & 15;
    const bytes = Math.ceil(AMR_BITS[kind][type]! / 8);
    frames.push({ type, quality: (file[at]! >> 2) & 1, data: file.subarray(at + 1, at + 1 + bytes) });
    at += 1 + bytes;
  }
  return frames;
}

/** An RFC 4867 payload of `frames`: octet-aligned (with CRC octets when `crc`) or bandwidth-efficient. */
export function amrPayload(
  kind: AmrKind,
  frames: AmrFrame[],
  format: { octetAligned: boolean; crc?: boolean },
): Buffer {
  if (format.octetAligned) {
    const toc = frames.map(
      (f, i) => ((i < frames.length - 1 ? 1 : 0) << 7) | (f.type << 3) | (f.quality << 2),
    );
    const crcs = format.crc ? frames.filter((f) => f.data.length > 0).map(() => 0x5a) : [];
    return Buffer.concat([Buffer.from([0xf0, ...toc, ...crcs]), ...frames.map((f) => f.data)]);
  }
  const bits: number[] = [1, 1, 1, 1]; // CMR 15: no mode request
  frames.forEach((f, i) => {
    bits.push(i < frames.length - 1 ? 1 : 0);
    for (let b = 3; b >= 0; b--) bits.push((f.type >> b) & 1);
    bits.push(f.quality);
  });
  for (const f of frames) {
    for (let b = 0; b < AMR_BITS[kind][f.type]!; b++) bits.push((f.data[b >> 3]! >> (7 - (b & 7))) & 1);
  }
  const out = Buffer.alloc(Math.ceil(bits.length / 8));
  bits.forEach((bit, i) => {
    if (bit) out[i >> 3]! |= 0x80 >> (i & 7);
  });
  return out;
}

/** Ogg pages → packets, the header packets (the first `skip`) left out. */
export function oggPackets(data: Buffer, skip = 2): Buffer[] {
  const packets: Buffer[] = [];
  let pending: Buffer[] = [];
  for (let at = 0; at + 27 <= data.length;) {
    const segments = data[at + 26]!;
    const lacing = data.subarray(at + 27, at + 27 + segments);
    let body = at + 27 + segments;
    for (const l of lacing) {
      pending.push(data.subarray(body, body + l));
      body += l;
      if (l < 255) {
        packets.push(Buffer.concat(pending));
        pending = [];
      }
    }
    at = body;
  }
  return packets.slice(skip);
}

/** Speex packets ffmpeg's libspeex encoder makes of 16-bit mono PCM at `rate` (8, 16 or 32 kHz). */
export function speexPackets(
  ffmpeg: string,
  raw: string,
  rate: number,
  framesPerPacket: number,
  out: string,
): Buffer[] {
  execFileSync(ffmpeg, [
    '-v',
    'error',
    '-y',
    '-f',
    's16le',
    '-ar',
    String(rate),
    '-ac',
    '1',
    '-i',
    raw,
    '-c:a',
    'libspeex',
    '-cbr_quality',
    '8',
    '-frames_per_packet',
    String(framesPerPacket),
    '-f',
    'ogg',
    out,
  ]);
  return oggPackets(readFileSync(out));
}

/** Zero crossings per second / 2: the frequency of a pure tone. */
export function frequencyOf(samples: Int16Array, rate: number): number {
  let crossings = 0;
  for (let i = 1; i < samples.length; i++) if (samples[i - 1]! < 0 !== samples[i]! < 0) crossings++;
  return (crossings / 2) * (rate / samples.length);
}
