import { fail, ok, type ParseResult } from './parse-result.ts';

/**
 * DTMF from RTP telephone-event payloads (RFC 4733 §2.3). One key press is many packets sharing the event's
 * RTP timestamp, with a growing duration and, at the end, the E bit — usually sent three times. The detector
 * turns those into one `DtmfEvent` per key press.
 */

export interface TelephoneEvent {
  event: number;
  end: boolean;
  /** Power level in -dBm0 (0–63). */
  volume: number;
  /** Duration so far, in RTP timestamp units. */
  duration: number;
}

export interface DtmfEvent {
  /** '0'–'9', '*', '#', 'A'–'D', 'flash', or `event:<n>` for other events. */
  digit: string;
  /** RTP timestamp of the event start (shared by all its packets). */
  startTimestamp: number;
  /** Duration in timestamp units. */
  duration: number;
  /** Duration in milliseconds, at the stream's clock rate. */
  durationMs: number;
  /** False when the end packets were lost and the event was closed by the next one or by `flush`. */
  ended: boolean;
  ssrc: number;
}

const DIGITS = '0123456789*#ABCD';

export function digitOf(event: number): string {
  if (event >= 0 && event < DIGITS.length) return DIGITS[event] ?? `event:${event}`;
  if (event === 16) return 'flash';
  return `event:${event}`;
}

/** Parses one 4-byte telephone-event block (extra trailing bytes are ignored). */
export function parseTelephoneEvent(payload: Buffer): ParseResult<TelephoneEvent> {
  if (payload.length < 4) return fail('telephone-event payload shorter than 4 bytes');
  const flags = payload[1] ?? 0;
  return ok({
    event: payload[0] ?? 0,
    end: (flags & 0x80) !== 0,
    volume: flags & 0x3f,
    duration: payload.readUInt16BE(2),
  });
}

export function encodeTelephoneEvent(event: TelephoneEvent): Buffer {
  const out = Buffer.alloc(4);
  out[0] = event.event & 0xff;
  out[1] = (event.end ? 0x80 : 0) | (event.volume & 0x3f);
  out.writeUInt16BE(event.duration & 0xffff, 2);
  return out;
}

interface OpenEvent {
  ssrc: number;
  timestamp: number;
  event: number;
  duration: number;
}

export interface TelephoneEventPacket {
  ssrc: number;
  timestamp: number;
  payload: Buffer;
}

/**
 * Follows telephone-event packets of any number of streams. `push` returns the key presses that finished
 * with that packet; redundant end packets of an event already reported are ignored.
 */
export class DtmfDetector {
  private readonly open = new Map<number, OpenEvent>();
  /** Last reported (ssrc → event start timestamp), to drop the retransmitted end packets. */
  private readonly reported = new Map<number, number>();
  private readonly clockRate: number;

  constructor(options: { clockRate?: number } = {}) {
    this.clockRate = options.clockRate ?? 8000;
  }

  push(packet: TelephoneEventPacket): DtmfEvent[] {
    const parsed = parseTelephoneEvent(packet.payload);
    if (!parsed.ok) return [];
    const te = parsed.value;
    const { ssrc, timestamp } = packet;
    if (this.reported.get(ssrc) === timestamp) return [];
    const out: DtmfEvent[] = [];
    const current = this.open.get(ssrc);
    if (current && (current.timestamp !== timestamp || current.event !== te.event)) {
      out.push(this.toEvent(current, false));
      this.open.delete(ssrc);
    }
    const open = this.open.get(ssrc) ?? { ssrc, timestamp, event: te.event, duration: 0 };
    open.duration = Math.max(open.duration, te.duration);
    if (te.end) {
      this.open.delete(ssrc);
      this.reported.set(ssrc, timestamp);
      out.push(this.toEvent(open, true));
    } else {
      this.open.set(ssrc, open);
    }
    return out;
  }

  /** Closes the events still open (end of call or stream). */
  flush(): DtmfEvent[] {
    const out = [...this.open.values()].map((e) => this.toEvent(e, false));
    this.open.clear();
    return out;
  }

  private toEvent(open: OpenEvent, ended: boolean): DtmfEvent {
    return {
      digit: digitOf(open.event),
      startTimestamp: open.timestamp,
      duration: open.duration,
      durationMs: (open.duration * 1000) / this.clockRate,
      ended,
      ssrc: open.ssrc,
    };
  }
}
