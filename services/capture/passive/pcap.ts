import { ByteSource } from './byte-source.ts';
import { badInput } from '../parse-result.ts';

/**
 * Streaming reader for capture files: classic pcap (both byte orders, µs and ns resolution) and pcapng
 * (SHB, IDB, EPB, SPB and the obsolete PB; other blocks skipped; several sections). Frames come out one at a
 * time from an async iterable of bytes, so a file of any size is read in constant memory. A file cut short
 * yields its complete frames and sets `truncated`/`truncatedAt`; a structurally broken one stops at the break
 * with `corrupt` set. Only input that is not a capture file at all throws (BAD_REQUEST).
 */

export type CaptureFormat = 'pcap' | 'pcapng';

export interface CapturedFrame {
  /** 0-based frame number in the file. */
  index: number;
  /** Byte offset of the frame's record/block in the file. */
  offset: number;
  /** LINKTYPE_* value (1 Ethernet, 101 raw IP, 113 Linux SLL, 276 SLL2, ...). */
  linkType: number;
  interfaceId: number;
  seconds: number;
  nanos: number;
  /** Milliseconds since the epoch (float; sub-µs precision is in `nanos`). */
  timeMs: number;
  capturedLength: number;
  originalLength: number;
  data: Buffer;
}

export interface CaptureReaderOptions {
  /** Largest frame accepted (default 256 KiB); a larger length field marks the file corrupt. */
  maxFrameBytes?: number;
  /** Largest pcapng block read (default 16 MiB); larger unknown blocks are skipped without buffering. */
  maxBlockBytes?: number;
}

interface Interface {
  linkType: number;
  snapLength: number;
  /** Timestamp units per second, as a power: 10^-n (`base` 10) or 2^-n (`base` 2). */
  resolutionBase: 2 | 10;
  resolutionExponent: number;
  offsetSeconds: bigint;
}

const PCAPNG_SHB = 0x0a0d0d0a;
const EMPTY = Buffer.alloc(0);
const PCAPNG_BYTE_ORDER = 0x1a2b3c4d;

export class CaptureReader {
  format: CaptureFormat | undefined;
  /** True when the file ended in the middle of a record or block. */
  truncated = false;
  /** Offset of the incomplete record or block. */
  truncatedAt: number | undefined;
  /** Set when a length field or block is invalid; reading stopped there. */
  corrupt: { offset: number; reason: string } | undefined;
  framesRead = 0;

  private readonly source: ByteSource;
  private readonly maxFrameBytes: number;
  private readonly maxBlockBytes: number;

  constructor(source: AsyncIterable<Uint8Array | string>, options: CaptureReaderOptions = {}) {
    this.source = new ByteSource(source);
    this.maxFrameBytes = options.maxFrameBytes ?? 256 * 1024;
    this.maxBlockBytes = options.maxBlockBytes ?? 16 * 1024 * 1024;
  }

  async *frames(): AsyncGenerator<CapturedFrame> {
    for await (const batch of this.batches()) for (const frame of batch) yield frame;
  }

  /**
   * The frames in batches: every frame already read from the current chunk of input comes in one array, so a
   * consumer handles most frames without waiting on a promise for each.
   */
  async *batches(): AsyncGenerator<CapturedFrame[]> {
    try {
      const magic = await this.source.read(4);
      if (!magic) throw badInput('not a capture file: shorter than its header');
      const le = magic.readUInt32LE(0);
      if (le === PCAPNG_SHB) {
        this.format = 'pcapng';
        yield* this.pcapng(magic);
      } else if ([0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d, 0x4d3cb2a1].includes(le)) {
        this.format = 'pcap';
        yield* this.pcap(magic);
      } else {
        throw badInput('not a pcap or pcapng file');
      }
    } finally {
      await this.source.close();
    }
  }

  private markTruncated(offset: number): void {
    this.truncated = true;
    this.truncatedAt = offset;
  }

  private frame(
    offset: number,
    linkType: number,
    interfaceId: number,
    seconds: number,
    nanos: number,
    originalLength: number,
    data: Buffer,
  ): CapturedFrame {
    return {
      index: this.framesRead++,
      offset,
      linkType,
      interfaceId,
      seconds,
      nanos,
      timeMs: seconds * 1000 + nanos / 1e6,
      capturedLength: data.length,
      originalLength,
      data,
    };
  }

  private async *pcap(magic: Buffer): AsyncGenerator<CapturedFrame[]> {
    const rest = await this.source.read(20);
    if (!rest) {
      this.markTruncated(0);
      return;
    }
    const header = Buffer.concat([magic, rest]);
    const littleEndian = header.readUInt32LE(0) === 0xa1b2c3d4 || header.readUInt32LE(0) === 0xa1b23c4d;
    const nanosecond = header.readUInt32LE(0) === 0xa1b23c4d || header.readUInt32LE(0) === 0x4d3cb2a1;
    const linkType = (littleEndian ? header.readUInt32LE(20) : header.readUInt32BE(20)) & 0xffff;

    let batch: CapturedFrame[] = [];
    for (;;) {
      const offset = this.source.position;
      // Records are read without awaiting while the current chunk holds them; the batch goes out before a wait.
      let record = this.source.take(16);
      if (record === undefined) {
        if (batch.length > 0) {
          yield batch;
          batch = [];
        }
        record = await this.source.read(16);
        if (!record) {
          if (this.source.position > offset) this.markTruncated(offset);
          return;
        }
      }
      const seconds = littleEndian ? record.readUInt32LE(0) : record.readUInt32BE(0);
      const fraction = littleEndian ? record.readUInt32LE(4) : record.readUInt32BE(4);
      const capturedLength = littleEndian ? record.readUInt32LE(8) : record.readUInt32BE(8);
      const originalLength = littleEndian ? record.readUInt32LE(12) : record.readUInt32BE(12);
      if (capturedLength > this.maxFrameBytes) {
        if (batch.length > 0) yield batch;
        this.corrupt = { offset, reason: `record length ${capturedLength} over ${this.maxFrameBytes}` };
        return;
      }
      let data = capturedLength === 0 ? EMPTY : this.source.take(capturedLength);
      if (data === undefined) {
        if (batch.length > 0) {
          yield batch;
          batch = [];
        }
        data = await this.source.read(capturedLength);
        if (!data) {
          this.markTruncated(offset);
          return;
        }
      }
      const nanos = nanosecond ? fraction : fraction * 1000;
      const carry = Math.floor(nanos / 1e9);
      batch.push(this.frame(offset, linkType, 0, seconds + carry, nanos - carry * 1e9, originalLength, data));
      if (batch.length >= 1024) {
        yield batch;
        batch = [];
      }
    }
  }

  private async *pcapng(firstWord: Buffer): AsyncGenerator<CapturedFrame[]> {
    let interfaces: Interface[] = [];
    let littleEndian = true;
    let pending: Buffer | undefined = firstWord;

    for (;;) {
      const offset = this.source.position - (pending ? pending.length : 0);
      let typeBytes: Buffer | undefined = pending;
      pending = undefined;
      typeBytes ??= await this.source.read(4);
      if (!typeBytes) {
        if (this.source.position > offset) this.markTruncated(offset);
        return;
      }
      const lengthBytes = await this.source.read(4);
      if (!lengthBytes) {
        this.markTruncated(offset);
        return;
      }
      let type = littleEndian ? typeBytes.readUInt32LE(0) : typeBytes.readUInt32BE(0);
      if (type === PCAPNG_SHB) {
        const bom = await this.source.read(4);
        if (!bom) {
          this.markTruncated(offset);
          return;
        }
        if (bom.readUInt32LE(0) === PCAPNG_BYTE_ORDER) littleEndian = true;
        else if (bom.readUInt32BE(0) === PCAPNG_BYTE_ORDER) littleEndian = false;
        else {
          this.corrupt = { offset, reason: 'section header with an invalid byte-order magic' };
          return;
        }
        type = PCAPNG_SHB;
        interfaces = [];
        const total = littleEndian ? lengthBytes.readUInt32LE(0) : lengthBytes.readUInt32BE(0);
        if (!this.validBlockLength(total, 28, offset)) return;
        if (!(await this.source.skip(total - 12))) {
          this.markTruncated(offset);
          return;
        }
        continue;
      }
      const total = littleEndian ? lengthBytes.readUInt32LE(0) : lengthBytes.readUInt32BE(0);
      if (!this.validBlockLength(total, 12, offset)) return;
      const wanted = type === 1 || type === 2 || type === 3 || type === 6;
      if (!wanted || total > this.maxBlockBytes) {
        if (!(await this.source.skip(total - 8))) {
          this.markTruncated(offset);
          return;
        }
        continue;
      }
      const block = await this.source.read(total - 8);
      if (!block) {
        this.markTruncated(offset);
        return;
      }
      const u16 = (at: number): number => (littleEndian ? block.readUInt16LE(at) : block.readUInt16BE(at));
      const u32 = (at: number): number => (littleEndian ? block.readUInt32LE(at) : block.readUInt32BE(at));
      if (u32(block.length - 4) !== total) {
        this.corrupt = { offset, reason: 'block trailer length differs from its header' };
        return;
      }
      const body = block.subarray(0, block.length - 4);
      if (type === 1) {
        if (body.length < 8) return this.corruptBlock(offset, 'interface description block too short');
        interfaces.push(readInterface(body, littleEndian));
        continue;
      }
      let interfaceId: number;
      let tsHigh = 0;
      let tsLow = 0;
      let capturedLength: number;
      let originalLength: number;
      let dataStart: number;
      if (type === 6 || type === 2) {
        if (body.length < 20) return this.corruptBlock(offset, 'packet block too short');
        interfaceId = type === 6 ? u32(0) : u16(0);
        tsHigh = u32(4);
        tsLow = u32(8);
        capturedLength = u32(12);
        originalLength = u32(16);
        dataStart = 20;
      } else {
        if (body.length < 4) return this.corruptBlock(offset, 'simple packet block too short');
        interfaceId = 0;
        originalLength = u32(0);
        const snap = interfaces[0]?.snapLength ?? 0;
        capturedLength = Math.min(originalLength, body.length - 4, snap === 0 ? Infinity : snap);
        dataStart = 4;
      }
      const iface = interfaces[interfaceId];
      if (!iface) return this.corruptBlock(offset, `packet for undeclared interface ${interfaceId}`);
      if (dataStart + capturedLength > body.length || capturedLength > this.maxFrameBytes) {
        return this.corruptBlock(offset, `captured length ${capturedLength} exceeds its block`);
      }
      const { seconds, nanos } = type === 3 ? { seconds: 0, nanos: 0 } : timestampOf(iface, tsHigh, tsLow);
      const data = body.subarray(dataStart, dataStart + capturedLength);
      yield [this.frame(offset, iface.linkType, interfaceId, seconds, nanos, originalLength, data)];
    }
  }

  private corruptBlock(offset: number, reason: string): void {
    this.corrupt = { offset, reason };
  }

  private validBlockLength(total: number, minimum: number, offset: number): boolean {
    if (total < minimum || total % 4 !== 0) {
      this.corrupt = { offset, reason: `invalid block length ${total}` };
      return false;
    }
    return true;
  }
}

function readInterface(body: Buffer, littleEndian: boolean): Interface {
  const u16 = (at: number): number => (littleEndian ? body.readUInt16LE(at) : body.readUInt16BE(at));
  const iface: Interface = {
    linkType: u16(0),
    snapLength: littleEndian ? body.readUInt32LE(4) : body.readUInt32BE(4),
    resolutionBase: 10,
    resolutionExponent: 6,
    offsetSeconds: 0n,
  };
  let at = 8;
  while (at + 4 <= body.length) {
    const code = u16(at);
    const length = u16(at + 2);
    const value = at + 4;
    if (code === 0 || value + length > body.length) break;
    if (code === 9 && length >= 1) {
      const resolution = body[value] ?? 6;
      iface.resolutionBase = resolution & 0x80 ? 2 : 10;
      iface.resolutionExponent = Math.min(resolution & 0x7f, iface.resolutionBase === 10 ? 18 : 63);
    } else if (code === 14 && length >= 8) {
      iface.offsetSeconds = littleEndian ? body.readBigInt64LE(value) : body.readBigInt64BE(value);
    }
    at = value + Math.ceil(length / 4) * 4;
  }
  return iface;
}

function timestampOf(iface: Interface, high: number, low: number): { seconds: number; nanos: number } {
  const ticks = (BigInt(high) << 32n) | BigInt(low);
  const perSecond =
    iface.resolutionBase === 10
      ? 10n ** BigInt(iface.resolutionExponent)
      : 1n << BigInt(iface.resolutionExponent);
  const seconds = ticks / perSecond + iface.offsetSeconds;
  const nanos = ((ticks % perSecond) * 1_000_000_000n) / perSecond;
  return { seconds: Number(seconds), nanos: Number(nanos) };
}
