/**
 * IPv4 fragment reassembly (RFC 791 §3.2), bounded: at most `maxDatagrams` datagrams in progress (the oldest
 * is dropped first), each at most 65535 bytes, each given up `timeoutMs` after its first fragment (measured on
 * the capture clock passed in, so replaying an old file behaves like live traffic). Overlapping fragments drop
 * the whole datagram, as RFC 5722 requires for IPv6 and as hardened IPv4 stacks do.
 */

export interface ReassemblyOptions {
  maxDatagrams?: number;
  timeoutMs?: number;
}

export interface ReassemblyStats {
  /** Datagrams waiting for more fragments now. */
  pending: number;
  completed: number;
  /** Given up after the timeout. */
  expired: number;
  /** Dropped for overlap, size or because too many were in progress. */
  dropped: number;
}

interface Fragment {
  offset: number;
  data: Buffer;
}

interface Pending {
  firstSeenMs: number;
  fragments: Fragment[];
  /** Known once the fragment with More-Fragments clear has arrived. */
  totalLength: number | undefined;
  bytes: number;
}

const MAX_DATAGRAM = 65535;

export class Ipv4Reassembler {
  private readonly pending = new Map<string, Pending>();
  private readonly maxDatagrams: number;
  private readonly timeoutMs: number;
  private completed = 0;
  private expired = 0;
  private dropped = 0;

  constructor(options: ReassemblyOptions = {}) {
    this.maxDatagrams = options.maxDatagrams ?? 256;
    this.timeoutMs = options.timeoutMs ?? 30_000;
  }

  get stats(): ReassemblyStats {
    return {
      pending: this.pending.size,
      completed: this.completed,
      expired: this.expired,
      dropped: this.dropped,
    };
  }

  /**
   * Adds one fragment's payload. `key` identifies the datagram (source, destination, protocol, id). Returns
   * the whole payload once every byte from 0 to the end has arrived.
   */
  add(key: string, offset: number, moreFragments: boolean, data: Buffer, nowMs: number): Buffer | undefined {
    this.expire(nowMs);
    const end = offset + data.length;
    if (end > MAX_DATAGRAM || (moreFragments && data.length % 8 !== 0)) {
      this.drop(key);
      return undefined;
    }
    let entry = this.pending.get(key);
    if (!entry) {
      if (this.pending.size >= this.maxDatagrams) {
        const oldest = this.pending.keys().next().value;
        if (oldest !== undefined) this.drop(oldest);
      }
      entry = { firstSeenMs: nowMs, fragments: [], totalLength: undefined, bytes: 0 };
      this.pending.set(key, entry);
    }
    const overlaps = entry.fragments.some((f) => offset < f.offset + f.data.length && f.offset < end);
    const beyondEnd = entry.totalLength !== undefined && end > entry.totalLength;
    const conflictingEnd = !moreFragments && entry.fragments.some((f) => f.offset + f.data.length > end);
    if (overlaps || beyondEnd || conflictingEnd || (!moreFragments && entry.totalLength !== undefined)) {
      this.drop(key);
      return undefined;
    }
    if (!moreFragments) entry.totalLength = end;
    entry.fragments.push({ offset, data: Buffer.from(data) });
    entry.bytes += data.length;
    if (entry.totalLength === undefined || entry.bytes !== entry.totalLength) return undefined;

    // No overlaps and every byte counted: the fragments tile [0, totalLength).
    const whole = Buffer.alloc(entry.totalLength);
    for (const f of entry.fragments) f.data.copy(whole, f.offset);
    this.pending.delete(key);
    this.completed++;
    return whole;
  }

  /** Gives up on datagrams whose first fragment is older than the timeout. */
  expire(nowMs: number): void {
    for (const [key, entry] of this.pending) {
      if (nowMs - entry.firstSeenMs <= this.timeoutMs) continue;
      this.pending.delete(key);
      this.expired++;
    }
  }

  private drop(key: string): void {
    this.pending.delete(key);
    this.dropped++;
  }
}
