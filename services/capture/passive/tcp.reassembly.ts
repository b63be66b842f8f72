import { SipStreamFramer } from '../sip/sip.framer.ts';
import { startsWithSipLine } from '../sip/sip.message.ts';

/**
 * SIP over TCP in a capture: each direction of a connection is put back in sequence order (retransmissions and
 * overlaps trimmed, out-of-order segments held), then cut into SIP messages by `SipStreamFramer`. A gap that a
 * lost segment leaves (more than `maxHeldBytes` waiting behind it) is skipped: the framer restarts at the next
 * SIP start line. Bounded: at most `maxFlows` flows are followed, the least recently used dropped first.
 */

const FIN = 0x01;
const SYN = 0x02;
const RST = 0x04;

export interface TcpSegment {
  src: string;
  srcPort: number;
  dst: string;
  dstPort: number;
  sequence: number;
  flags: number;
  payload: Buffer;
}

interface Flow {
  next: number | undefined;
  held: Map<number, Buffer>;
  heldBytes: number;
  framer: SipStreamFramer;
  /** Waiting for a SIP start line after a gap or a framing error. */
  resync: boolean;
}

export interface TcpReassemblyStats {
  flows: number;
  gaps: number;
  framingErrors: number;
}

const seqLess = (a: number, b: number): boolean => ((a - b) | 0) < 0;

export class SipTcpReassembler {
  private readonly flows = new Map<string, Flow>();
  private readonly maxFlows: number;
  private readonly maxHeldBytes: number;
  readonly stats: TcpReassemblyStats = { flows: 0, gaps: 0, framingErrors: 0 };

  constructor(options: { maxFlows?: number; maxHeldBytes?: number } = {}) {
    this.maxFlows = options.maxFlows ?? 4096;
    this.maxHeldBytes = options.maxHeldBytes ?? 256 * 1024;
  }

  /** Adds one segment; returns the SIP messages it completed, in order. */
  push(segment: TcpSegment): Buffer[] {
    const key = `${segment.src}:${segment.srcPort}>${segment.dst}:${segment.dstPort}`;
    let flow = this.flows.get(key);
    if (segment.flags & RST) {
      this.flows.delete(key);
      return [];
    }
    if (!flow) {
      if (segment.payload.length === 0 && !(segment.flags & SYN)) return [];
      if (segment.payload.length > 0 && !startsWithSipLine(segment.payload)) {
        return []; // joined mid-stream and not at a message start: wait for one
      }
      flow = this.newFlow();
      this.flows.set(key, flow);
      this.stats.flows++;
      if (this.flows.size > this.maxFlows) {
        const oldest = this.flows.keys().next().value;
        if (oldest !== undefined) this.flows.delete(oldest);
      }
    } else {
      // Least recently used order.
      this.flows.delete(key);
      this.flows.set(key, flow);
    }
    if (segment.flags & SYN) {
      flow.next = (segment.sequence + 1) >>> 0;
      return [];
    }
    const out: Buffer[] = [];
    if (segment.payload.length > 0) this.accept(flow, segment.sequence >>> 0, segment.payload, out);
    if (segment.flags & FIN) this.flows.delete(key);
    return out;
  }

  private newFlow(): Flow {
    return { next: undefined, held: new Map(), heldBytes: 0, framer: new SipStreamFramer(), resync: false };
  }

  private accept(flow: Flow, sequence: number, payload: Buffer, out: Buffer[]): void {
    flow.next ??= sequence;
    let seq = sequence;
    let data = payload;
    if (seqLess(seq, flow.next)) {
      const overlap = (flow.next - seq) >>> 0;
      if (overlap >= data.length) return; // retransmission
      data = data.subarray(overlap);
      seq = flow.next;
    }
    if (seq !== flow.next) {
      if (!flow.held.has(seq)) {
        flow.held.set(seq, Buffer.from(data));
        flow.heldBytes += data.length;
      }
      if (flow.heldBytes > this.maxHeldBytes) this.skipGap(flow, out);
      return;
    }
    this.deliver(flow, data, out);
    this.drainHeld(flow, out);
  }

  private drainHeld(flow: Flow, out: Buffer[]): void {
    for (;;) {
      let progressed = false;
      for (const [seq, data] of flow.held) {
        const next = flow.next ?? seq;
        if (seqLess(next, seq)) continue;
        flow.held.delete(seq);
        flow.heldBytes -= data.length;
        const overlap = (next - seq) >>> 0;
        if (overlap < data.length) this.deliver(flow, data.subarray(overlap), out);
        progressed = true;
      }
      if (!progressed) return;
    }
  }

  /** A segment never came: continue from the earliest held one, at the next SIP start line. */
  private skipGap(flow: Flow, out: Buffer[]): void {
    this.stats.gaps++;
    const earliest = [...flow.held.keys()].reduce((a, b) => (seqLess(b, a) ? b : a));
    flow.next = earliest;
    flow.framer = new SipStreamFramer();
    flow.resync = true;
    this.drainHeld(flow, out);
  }

  private deliver(flow: Flow, data: Buffer, out: Buffer[]): void {
    flow.next = ((flow.next ?? 0) + data.length) >>> 0;
    let bytes = data;
    if (flow.resync) {
      const text = bytes.toString('latin1');
      const match = /(?:^|\r?\n)([A-Z]{3,10} \S+ SIP\/2\.0|SIP\/2\.0 \d{3})/.exec(text);
      if (!match) return;
      const start = match.index + match[0].length - (match[1]?.length ?? 0);
      bytes = bytes.subarray(start);
      flow.resync = false;
    }
    try {
      out.push(...flow.framer.push(bytes).messages);
    } catch {
      this.stats.framingErrors++;
      flow.framer = new SipStreamFramer();
      flow.resync = true;
    }
  }
}
