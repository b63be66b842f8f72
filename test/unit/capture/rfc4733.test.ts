import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  digitOf,
  DtmfDetector,
  encodeTelephoneEvent,
  parseTelephoneEvent,
  type TelephoneEventPacket,
} from '../../../services/capture/rfc4733.ts';

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
