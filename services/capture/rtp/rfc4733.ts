import { fail, ok, type ParseResult } from '../parse-result.ts';

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

/** Highest event code taken for a key press without SDP: 0–15 DTMF digits, *, #, A–D, and 16 flash. */
const MAX_KEY_EVENT = 16;

/**
 * Whether one payload has the structure of RFC 4733 telephone-events: 4 bytes per event block (several blocks
 * only for redundant events, at most 4), each a key event (0–16) with the reserved bit clear. Volume (6 bits)
 * and duration take any value in their fields; their progression is judged by `TelephoneEventRecogniser`.
 */
export function isTelephoneEventPayload(payload: Buffer): boolean {
  const length = payload.length;
  if (length === 0 || length % 4 !== 0 || length > 16) return false;
  for (let at = 0; at < length; at += 4) {
    if (payload[at]! > MAX_KEY_EVENT || (payload[at + 1]! & 0x40) !== 0) return false;
  }
  return true;
}

export interface RecognisablePacket {
  ssrc: number;
  payloadType: number;
  timestamp: number;
  payload: Buffer;
}

interface EventSeries {
  bad: boolean;
  confirmed: boolean;
  packets: number;
  timestamp: number;
  event: number;
  duration: number;
  ended: boolean;
  /** Evidence that this is a key press: a duration that grew within one event, or a repeated end packet. */
  grew: boolean;
  repeatedEnd: boolean;
}

/** Series judged per SSRC and payload type before a verdict is kept (bounds memory on hostile input). */
const MAX_SERIES = 64;

/**
 * Recognises RFC 4733 telephone-events by their payload structure alone, for streams whose SDP was not seen or did
 * not list telephone-event: a dynamic payload type (96–127) whose packets are event blocks
 * (`isTelephoneEventPayload`); within one event (one RTP timestamp) the same event code, a duration that never
 * decreases, and once the E bit is set only repeats of that end packet; a new event has a later timestamp. A
 * series is taken as key presses after 3 such packets that show a growing duration or a repeated end packet;
 * one packet that breaks a rule rejects it for good. The same rules serve RTP without SIP and SIP-described
 * streams (stream.recorder.ts), so both find the same key presses.
 */
export class TelephoneEventRecogniser {
  private readonly series = new Map<string, EventSeries>();

  /** `event`: this packet's series is recognised; `pending`: not yet; `no`: the series is not telephone-event. */
  push(packet: RecognisablePacket): 'event' | 'pending' | 'no' {
    const pt = packet.payloadType;
    if (pt < 96 || pt > 127) return 'no';
    const key = `${packet.ssrc}:${pt}`;
    let s = this.series.get(key);
    if (!s) {
      if (this.series.size >= MAX_SERIES) return 'no';
      s = {
        bad: false,
        confirmed: false,
        packets: 0,
        timestamp: packet.timestamp,
        event: -1,
        duration: 0,
        ended: false,
        grew: false,
        repeatedEnd: false,
      };
      this.series.set(key, s);
    }
    if (s.bad) return 'no';
    if (!this.follows(s, packet)) {
      s.bad = true;
      s.confirmed = false;
      return 'no';
    }
    s.packets++;
    if (!s.confirmed && s.packets >= 3 && (s.grew || s.repeatedEnd)) s.confirmed = true;
    return s.confirmed ? 'event' : 'pending';
  }

  /** Whether the series of this SSRC and payload type has been recognised. */
  recognised(ssrc: number, payloadType: number): boolean {
    return this.series.get(`${ssrc}:${payloadType}`)?.confirmed === true;
  }

  private follows(s: EventSeries, packet: RecognisablePacket): boolean {
    const payload = packet.payload;
    if (!isTelephoneEventPayload(payload)) return false;
    // The last block is the current event (earlier ones are redundant copies of past events).
    const at = payload.length - 4;
    const event = payload[at]!;
    const end = (payload[at + 1]! & 0x80) !== 0;
    const duration = payload.readUInt16BE(at + 2);
    if (s.event === -1 || packet.timestamp !== s.timestamp) {
      // A new event: its timestamp is later than the last one's (a reordered first packet is not worth a rule).
      if (s.event !== -1 && ((packet.timestamp - s.timestamp) | 0) <= 0) return false;
      s.timestamp = packet.timestamp;
      s.event = event;
      s.duration = duration;
      s.ended = end;
      return true;
    }
    if (event !== s.event || duration < s.duration) return false;
    if (s.ended) {
      if (!end || duration !== s.duration) return false;
      s.repeatedEnd = true;
      return true;
    }
    if (duration > s.duration) s.grew = true;
    s.duration = duration;
    s.ended = end;
    return true;
  }
}
