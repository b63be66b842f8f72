import { badInput } from '../parse-result.ts';
import type { UdpEndpoint, UdpReceiver } from './udp.receiver.ts';

/**
 * RTP/RTCP port pairs for recorded streams: an even RTP port from the configured range and the odd port above it
 * for RTCP (RFC 3550 §11), each bound through the process's UDP receiver (udp.receiver.ts) before the port goes
 * into an SDP answer. Ports that another process holds are skipped. The pool is bounded, so a full range answers 503 rather than failing later.
 *
 * Pairs taken for a source (the address a SIP INVITE came from) are counted against that source, which may hold at
 * most `maxPerSource` at once: one SBC, hostile or broken, opening dialog after dialog cannot take the whole range,
 * and the others still get ports.
 */

export interface PortRange {
  min: number;
  max: number;
}

export function parsePortRange(text: string): PortRange {
  const match = /^\s*(\d{1,5})\s*-\s*(\d{1,5})\s*$/.exec(text);
  const min = match ? Number(match[1]) : NaN;
  const max = match ? Number(match[2]) : NaN;
  if (!match || min < 1024 || max > 65535 || max - min < 1) {
    throw badInput(`invalid RTP port range "${text}": use low-high within 1024-65535, e.g. 40000-44999`);
  }
  return { min, max };
}

export interface RtpSocketPair {
  port: number;
  rtp: UdpEndpoint;
  rtcp: UdpEndpoint;
  /** The source the pair is counted against, if any. */
  source?: string;
}

/** Why `allocateMany` gave nothing: the range is full, or the source would hold more than its share. */
export type AllocationRefusal = 'exhausted' | 'source-share';

/** Pairs one source may hold by default: a quarter of the range, and never fewer than 16 (two full dialogs). */
export function defaultMaxPerSource(capacity: number): number {
  return Math.max(16, Math.floor(capacity / 4));
}

export interface RtpPortPoolOptions {
  range: PortRange;
  /** Address the sockets bind to (default 0.0.0.0). */
  host?: string;
  /** Kernel receive buffer per RTP socket (default 256 KiB), so bursts are not dropped under load. */
  receiveBufferBytes?: number;
  /** How the ports receive. */
  receiver: UdpReceiver;
  /** Pairs one source may hold at once (default `defaultMaxPerSource(capacity)`). */
  maxPerSource?: number;
}

export class RtpPortPool {
  private readonly range: PortRange;
  private readonly host: string;
  private readonly receiveBufferBytes: number;
  readonly receiver: UdpReceiver;
  private readonly inUse = new Set<number>();
  /** Pairs held (or being bound) per source; a source holding none has no entry. */
  private readonly held = new Map<string, number>();
  readonly maxPerSource: number;
  private cursor: number;

  constructor(options: RtpPortPoolOptions) {
    this.range = options.range;
    this.host = options.host ?? '0.0.0.0';
    this.receiveBufferBytes = options.receiveBufferBytes ?? 256 * 1024;
    this.receiver = options.receiver;
    this.cursor = this.firstEven();
    this.maxPerSource = options.maxPerSource ?? defaultMaxPerSource(this.capacity);
  }

  private firstEven(): number {
    return this.range.min % 2 === 0 ? this.range.min : this.range.min + 1;
  }

  /** Pairs the range can hold. */
  get capacity(): number {
    return Math.floor((this.range.max - this.firstEven() + 1) / 2);
  }

  get used(): number {
    return this.inUse.size;
  }

  /** Pairs counted against a source now. */
  heldBy(source: string): number {
    return this.held.get(source) ?? 0;
  }

  /** Binds a free pair; undefined when the range is exhausted. */
  async allocate(): Promise<RtpSocketPair | undefined> {
    const start = this.firstEven();
    const slots = this.capacity;
    for (let tried = 0; tried < slots; tried++) {
      const port = this.cursor;
      this.cursor += 2;
      if (this.cursor + 1 > this.range.max) this.cursor = start;
      if (this.inUse.has(port)) continue;
      this.inUse.add(port);
      const pair = await this.bindPair(port);
      if (pair) return pair;
      this.inUse.delete(port);
    }
    return undefined;
  }

  /**
   * Allocates `count` pairs, or none at all. With a `source`, the pairs count against its share: they are reserved
   * before the first bind, so requests from one source that arrive together cannot overshoot it.
   */
  async allocateMany(count: number, source?: string): Promise<RtpSocketPair[] | AllocationRefusal> {
    if (source !== undefined) {
      const holding = this.heldBy(source);
      if (holding + count > this.maxPerSource) return 'source-share';
      this.held.set(source, holding + count);
    }
    const pairs: RtpSocketPair[] = [];
    for (let i = 0; i < count; i++) {
      const pair = await this.allocate();
      if (!pair) {
        for (const p of pairs) this.release(p);
        if (source !== undefined) this.uncount(source, count);
        return 'exhausted';
      }
      pairs.push(pair);
    }
    if (source !== undefined) for (const pair of pairs) pair.source = source;
    return pairs;
  }

  private uncount(source: string, count: number): void {
    const left = this.heldBy(source) - count;
    if (left > 0) this.held.set(source, left);
    else this.held.delete(source);
  }

  /**
   * Delivers what the kernel already holds for any port. Called before a SIP request is acted on and before a call
   * ends, so that audio which arrived before a BYE is recorded whatever receiver batches it.
   */
  flush(): void {
    this.receiver.flush();
  }

  release(pair: RtpSocketPair): void {
    if (!this.inUse.delete(pair.port)) return;
    if (pair.source !== undefined) this.uncount(pair.source, 1);
    pair.rtp.close();
    pair.rtcp.close();
  }

  private async bindPair(port: number): Promise<RtpSocketPair | undefined> {
    const rtp = await this.receiver.bind(port, this.host, this.receiveBufferBytes);
    if (!rtp) return undefined;
    const rtcp = await this.receiver.bind(port + 1, this.host, 0);
    if (!rtcp) {
      rtp.close();
      return undefined;
    }
    return { port, rtp, rtcp };
  }
}
