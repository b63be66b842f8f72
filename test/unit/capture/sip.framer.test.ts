import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SipStreamFramer } from '../../../services/capture/sip/sip.framer.ts';
import { parseSipMessage } from '../../../services/capture/sip/sip.message.ts';
import { codeOf, expectContainedFailure } from './capture-test-helpers.ts';

function message(n: number, body = ''): string {
  return [
    `OPTIONS sip:srs@10.0.0.5 SIP/2.0`,
    `Via: SIP/2.0/TCP 10.0.0.1;branch=z9hG4bK${n}`,
    `Call-ID: call-${n}`,
    `CSeq: ${n} OPTIONS`,
    `Content-Length: ${Buffer.byteLength(body)}`,
    '',
    body,
  ].join('\r\n');
}

function callIds(messages: Buffer[]): string[] {
  return messages.map((m) => parseSipMessage(m, { requireContentLength: true }).headers.get('Call-ID') ?? '');
}

describe(SipStreamFramer.name, () => {
  it('cuts several messages arriving in one segment', () => {
    const framer = new SipStreamFramer();
    const out = framer.push(Buffer.from(message(1) + message(2, 'hola') + message(3)));
    expect(callIds(out.messages)).toEqual(['call-1', 'call-2', 'call-3']);
    expect(framer.buffered).toBe(0);
  });

  it('reassembles a message split over segments, at every possible cut', () => {
    const whole = Buffer.from(message(7, 'v=0\r\nbody with ñ'));
    for (let cut = 1; cut < whole.length; cut++) {
      const framer = new SipStreamFramer();
      const first = framer.push(whole.subarray(0, cut));
      const second = framer.push(whole.subarray(cut));
      const all = [...first.messages, ...second.messages];
      expect(all).toHaveLength(1);
      expect(all[0]?.equals(whole)).toBe(true);
    }
  });

  it('delivers the same messages however the stream is chunked', () => {
    const stream = Buffer.from(`\r\n\r\n${message(1, 'a')}\r\n${message(2)}\r\n\r\n${message(3, 'bcd')}`);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 30 }), (sizes) => {
        const framer = new SipStreamFramer();
        const messages: Buffer[] = [];
        let pings = 0;
        let offset = 0;
        let i = 0;
        while (offset < stream.length) {
          const size = sizes[i++ % sizes.length] ?? 1;
          const out = framer.push(stream.subarray(offset, offset + size));
          messages.push(...out.messages);
          pings += out.pings;
          offset += size;
        }
        expect(callIds(messages)).toEqual(['call-1', 'call-2', 'call-3']);
        expect(pings).toBe(2);
      }),
      { numRuns: 200 },
    );
  });

  it('answers CRLF keep-alives: a double CRLF is a ping, a single CRLF a pong', () => {
    const framer = new SipStreamFramer();
    expect(framer.push(Buffer.from('\r\n\r\n'))).toEqual({ messages: [], pings: 1 });
    expect(framer.push(Buffer.from('\r\n'))).toEqual({ messages: [], pings: 0 });
    const out = framer.push(Buffer.from(message(1)));
    expect(out.messages).toHaveLength(1);
    expect(framer.buffered).toBe(0);
  });

  it('refuses a message larger than the limit and stays failed', () => {
    const framer = new SipStreamFramer({ maxMessageBytes: 200 });
    expect(codeOf(() => framer.push(Buffer.from(message(1, 'x'.repeat(300)))))).toBe('PAYLOAD_TOO_LARGE');
    expect(codeOf(() => framer.push(Buffer.from(message(2))))).toBe('PAYLOAD_TOO_LARGE');
  });

  it('refuses endless headers without waiting forever', () => {
    const framer = new SipStreamFramer({ maxMessageBytes: 1000 });
    expect(
      codeOf(() => framer.push(Buffer.from(`INVITE sip:a@b SIP/2.0\r\n${'X: y\r\n'.repeat(400)}`))),
    ).toBe('PAYLOAD_TOO_LARGE');
  });

  it('refuses a stream message without Content-Length', () => {
    const framer = new SipStreamFramer();
    expect(codeOf(() => framer.push(Buffer.from('OPTIONS sip:a@b SIP/2.0\r\nCall-ID: x\r\n\r\n')))).toBe(
      'BAD_REQUEST',
    );
  });

  it('stays linear when input trickles in one byte at a time', () => {
    const framer = new SipStreamFramer({ maxMessageBytes: 256 * 1024 });
    const big = Buffer.from(message(1, 'z'.repeat(100_000)));
    const started = performance.now();
    let count = 0;
    for (let i = 0; i < big.length; i++) count += framer.push(big.subarray(i, i + 1)).messages.length;
    expect(count).toBe(1);
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it('never fails with anything but BAD_REQUEST or PAYLOAD_TOO_LARGE on random streams', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 10 }), (chunks) => {
        const framer = new SipStreamFramer({ maxMessageBytes: 4096 });
        for (const chunk of chunks) {
          expectContainedFailure(() => framer.push(Buffer.from(chunk)), ['BAD_REQUEST', 'PAYLOAD_TOO_LARGE']);
        }
        expect(framer.buffered).toBeLessThanOrEqual(4096 + 200);
      }),
      { numRuns: 300 },
    );
  });
});
