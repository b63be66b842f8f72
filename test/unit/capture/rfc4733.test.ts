import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  digitOf,
  DtmfDetector,
  encodeTelephoneEvent,
  isTelephoneEventPayload,
  parseTelephoneEvent,
  TelephoneEventRecogniser,
  type TelephoneEventPacket,
} from '../../../services/capture/rtp/rfc4733.ts';

function press(
  ssrc: number,
  event: number,
  timestamp: number,
  steps: number,
  endCopies = 3,
): TelephoneEventPacket[] {
  const packets: TelephoneEventPacket[] = [];
  for (let i = 0; i < steps; i++) {
    packets.push({
      ssrc,
      timestamp,
      payload: encodeTelephoneEvent({ event, end: false, volume: 10, duration: i * 160 }),
    });
  }
  for (let i = 0; i < endCopies; i++) {
    packets.push({
      ssrc,
      timestamp,
      payload: encodeTelephoneEvent({ event, end: true, volume: 10, duration: steps * 160 }),
    });
  }
  return packets;
}

describe(parseTelephoneEvent.name, () => {
  it('reads event, end bit, volume and duration', () => {
    const parsed = parseTelephoneEvent(Buffer.from([11, 0x8a, 0x03, 0x20]));
    expect(parsed).toEqual({ ok: true, value: { event: 11, end: true, volume: 10, duration: 800 } });
    expect(parseTelephoneEvent(Buffer.from([1, 2, 3])).ok).toBe(false);
  });

  it('round-trips through encode', () => {
    fc.assert(
      fc.property(
        fc.record({
          event: fc.nat(255),
          end: fc.boolean(),
          volume: fc.nat(63),
          duration: fc.nat(0xffff),
        }),
        (event) => {
          expect(parseTelephoneEvent(encodeTelephoneEvent(event))).toEqual({ ok: true, value: event });
        },
      ),
    );
  });

  it('names the DTMF events', () => {
    expect([0, 9, 10, 11, 12, 15, 16, 40].map(digitOf)).toEqual([
      '0',
      '9',
      '*',
      '#',
      'A',
      'D',
      'flash',
      'event:40',
    ]);
  });
});

describe(DtmfDetector.name, () => {
  it('reports one event per key press and ignores the redundant end packets', () => {
    const detector = new DtmfDetector();
    const events = [...press(7, 4, 1000, 5), ...press(7, 11, 9000, 3)].flatMap((p) => detector.push(p));
    expect(events).toEqual([
      { digit: '4', startTimestamp: 1000, duration: 800, durationMs: 100, ended: true, ssrc: 7 },
      { digit: '#', startTimestamp: 9000, duration: 480, durationMs: 60, ended: true, ssrc: 7 },
    ]);
    expect(detector.flush()).toEqual([]);
  });

  it('closes an event whose end packets were lost when the next one starts, and on flush', () => {
    const detector = new DtmfDetector();
    const first = press(1, 2, 500, 4, 0);
    const second = press(1, 3, 5000, 2, 0);
    const events = [...first, ...second].flatMap((p) => detector.push(p));
    expect(events).toMatchObject([{ digit: '2', ended: false, duration: 480 }]);
    expect(detector.flush()).toMatchObject([{ digit: '3', ended: false, startTimestamp: 5000 }]);
  });

  it('keeps streams apart and ignores malformed payloads', () => {
    const detector = new DtmfDetector({ clockRate: 16000 });
    const a = press(1, 1, 100, 2);
    const b = press(2, 5, 100, 2);
    const events = [a[0], b[0], a[1], b[1], ...a.slice(2), ...b.slice(2)].flatMap((p) =>
      p ? detector.push(p) : [],
    );
    expect(events.map((e) => [e.ssrc, e.digit, e.durationMs])).toEqual([
      [1, '1', 20],
      [2, '5', 20],
    ]);
    expect(detector.push({ ssrc: 3, timestamp: 1, payload: Buffer.from([1]) })).toEqual([]);
  });

  it('reports every key of a random sequence exactly once, whatever the redundancy', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(15), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 4 })), {
          maxLength: 20,
        }),
        (keys) => {
          const detector = new DtmfDetector();
          let ts = 0;
          const packets = keys.flatMap(([event, steps, copies]) => {
            ts += 4000;
            return press(9, event, ts, steps, copies);
          });
          const events = [...packets.flatMap((p) => detector.push(p)), ...detector.flush()];
          expect(events.map((e) => e.digit)).toEqual(keys.map(([event]) => digitOf(event)));
          expect(events.every((e) => e.ended)).toBe(true);
        },
      ),
    );
  });
});

describe(TelephoneEventRecogniser.name, () => {
  const rtp = (payload: Buffer, timestamp = 8000, payloadType = 101, ssrc = 1) => ({
    ssrc,
    payloadType,
    timestamp,
    payload,
  });
  const verdicts = (packets: ReturnType<typeof rtp>[]) => {
    const r = new TelephoneEventRecogniser();
    return packets.map((p) => r.push(p));
  };

  it('recognises key presses on a dynamic type: growing durations, or a repeated end packet', () => {
    const growing = press(1, 5, 8000, 4, 3).map((p) => rtp(p.payload));
    expect(verdicts(growing)).toEqual(['pending', 'pending', 'event', 'event', 'event', 'event', 'event']);
    // Only the end packets of a short press, then the next key at a later timestamp.
    const ends = [...press(1, 1, 8000, 0, 3), ...press(1, 2, 9600, 3, 3)].map((p) =>
      rtp(p.payload, p.timestamp),
    );
    expect(verdicts(ends).slice(2)).toEqual(Array(7).fill('event'));
    // Redundant blocks (a past event, then the current one) and flash (16).
    const redundant = Buffer.concat([
      encodeTelephoneEvent({ event: 3, end: true, volume: 10, duration: 800 }),
      encodeTelephoneEvent({ event: 16, end: false, volume: 10, duration: 160 }),
    ]);
    expect(isTelephoneEventPayload(redundant)).toBe(true);
    expect(
      verdicts(
        [160, 320, 480].map((d) =>
          rtp(
            Buffer.concat([
              redundant.subarray(0, 4),
              encodeTelephoneEvent({ event: 16, end: false, volume: 10, duration: d }),
            ]),
          ),
        ),
      ).at(-1),
    ).toBe('event');
  });

  it('rejects 4-byte payloads that are not telephone-events', () => {
    const ev = (event: number, duration: number, end = false, volume = 10) =>
      encodeTelephoneEvent({ event, end, volume, duration });
    expect(verdicts([rtp(ev(5, 160), 8000, 8)])).toEqual(['no']); // static payload type
    expect(verdicts([17, 18, 19].map((e, i) => rtp(ev(e, i * 160))))).toEqual(['no', 'no', 'no']); // unknown codes
    expect(verdicts([800, 640, 480].map((d) => rtp(ev(4, d))))).toEqual(['pending', 'no', 'no']); // shrinking
    expect(verdicts([ev(4, 160), ev(6, 320), ev(4, 480)].map((p) => rtp(p)))).toEqual([
      'pending',
      'no',
      'no',
    ]);
    // After the end packet, only copies of it.
    expect(verdicts([ev(4, 160), ev(4, 320, true), ev(4, 480)].map((p) => rtp(p)))[2]).toBe('no');
    // An earlier timestamp for a new event, the reserved bit, a payload that is not 4-byte blocks.
    expect(verdicts([rtp(ev(1, 160), 8000), rtp(ev(2, 160), 7000)])).toEqual(['pending', 'no']);
    const reserved = ev(1, 160);
    reserved[1] = reserved[1]! | 0x40;
    expect(isTelephoneEventPayload(reserved)).toBe(false);
    expect(isTelephoneEventPayload(Buffer.alloc(6))).toBe(false);
    // Random bytes: a seeded series of 4-byte payloads is never taken for key presses.
    let seed = 99;
    const next = () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
    for (let run = 0; run < 200; run++) {
      const packets = Array.from({ length: 10 }, () => rtp(Buffer.from([next(), next(), next(), next()])));
      expect(verdicts(packets)).not.toContain('event');
    }
  });
});
