import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { holdStateOf, parseSdp, telephoneEventOf } from '../../../services/capture/sip/sdp.ts';
import { buildSdpAnswer, type PortRequest } from '../../../services/capture/sip/sdp.answer.ts';
import { codeOf, expectContainedFailure, mutationsOf } from './capture-test-helpers.ts';

const offer = [
  'v=0',
  'o=SRC 2890844526 2890844527 IN IP4 198.51.100.1',
  's=-',
  'c=IN IP4 198.51.100.1',
  't=0 0',
  'm=audio 12240 RTP/AVP 18 0 8 101',
  'a=rtpmap:18 G729/8000',
  'a=fmtp:18 annexb=no',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-16',
  'a=ptime:20',
  'a=rtcp:12241 IN IP4 198.51.100.1',
  'a=label:96',
  'a=sendonly',
  'm=audio 12242 RTP/AVP 9 8',
  'c=IN IP4 198.51.100.2',
  'a=label:97',
  'a=sendonly',
  'm=video 12244 RTP/AVP 96',
  'a=rtpmap:96 H264/90000',
  'a=label:98',
  'm=audio 12246 RTP/AVP 4', // G.723.1: not recorded
  'a=label:99',
  'm=audio 12248 RTP/SAVP 0',
  'a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:abcd',
  'a=label:100',
  'm=audio 0 RTP/AVP 0',
  'a=label:101',
  '',
].join('\r\n');

describe(parseSdp.name, () => {
  it('reads session and media level fields', () => {
    const sdp = parseSdp(offer);
    expect(sdp.origin).toMatchObject({ username: 'SRC', sessionId: '2890844526', address: '198.51.100.1' });
    expect(sdp.connection?.address).toBe('198.51.100.1');
    expect(sdp.media).toHaveLength(6);
    const first = sdp.media[0];
    expect(first).toMatchObject({
      type: 'audio',
      port: 12240,
      proto: 'RTP/AVP',
      formats: ['18', '0', '8', '101'],
      direction: 'sendonly',
      label: '96',
      ptime: 20,
      rtcp: { port: 12241, address: '198.51.100.1' },
    });
    expect(first?.rtpmaps.map((r) => `${r.payloadType}:${r.encoding}/${r.clockRate}`)).toEqual([
      '18:G729/8000',
      '0:PCMU/8000',
      '8:PCMA/8000',
      '101:telephone-event/8000',
    ]);
    expect(first?.fmtp.get(18)).toBe('annexb=no');
    expect(first && telephoneEventOf(first)?.payloadType).toBe(101);
    expect(sdp.media[1]?.connection?.address).toBe('198.51.100.2');
    expect(sdp.media[1]?.rtpmaps.map((r) => r.encoding)).toEqual(['G722', 'PCMA']);
  });

  it('applies a session-level direction to media without their own', () => {
    const sdp = parseSdp(
      'v=0\r\ns=-\r\na=inactive\r\nm=audio 4000 RTP/AVP 0\r\nm=audio 4002 RTP/AVP 0\r\na=recvonly\r\n',
    );
    expect(sdp.media.map((m) => m.direction)).toEqual(['inactive', 'recvonly']);
  });

  it('keeps a malformed rtpmap from rejecting the whole offer', () => {
    const sdp = parseSdp('v=0\nm=audio 4000 RTP/AVP 0 96\na=rtpmap:96 broken\n');
    expect(sdp.media[0]?.rtpmaps.map((r) => r.payloadType)).toEqual([0]);
  });

  it.each([
    ['no v= line', 's=-\r\n'],
    ['a garbage line', 'v=0\r\nhello\r\n'],
    ['a bad port', 'v=0\r\nm=audio 70000 RTP/AVP 0\r\n'],
    ['a bad payload type', 'v=0\r\nm=audio 4000 RTP/AVP 200\r\n'],
    ['an incomplete c= line', 'v=0\r\nc=IN IP4\r\n'],
    ['an empty text', ''],
  ])('rejects %s', (_what, text) => {
    expect(codeOf(() => parseSdp(text))).toBe('BAD_REQUEST');
  });

  it('never fails with anything but BAD_REQUEST on mutated offers', () => {
    fc.assert(
      fc.property(mutationsOf(Buffer.from(offer)), (bytes) => {
        expectContainedFailure(() => {
          const sdp = parseSdp(bytes);
          holdStateOf(sdp);
          buildSdpAnswer(sdp, { address: '203.0.113.5', allocatePort: ({ index }) => 30000 + index * 2 });
        });
      }),
      { numRuns: 400 },
    );
  });
});

describe(buildSdpAnswer.name, () => {
  it('answers every stream in offer order, recvonly, with allocated ports, one codec and telephone-event', () => {
    const requests: PortRequest[] = [];
    const answer = buildSdpAnswer(parseSdp(offer), {
      address: '203.0.113.5',
      allocatePort: (request) => {
        requests.push(request);
        return 40000 + requests.length * 2;
      },
      sessionId: '77',
    });
    expect(answer.streams.map((s) => [s.label, s.port, s.codec?.encoding, s.rejected])).toEqual([
      ['96', 40002, 'G729', undefined],
      ['97', 40004, 'G722', undefined],
      ['98', 0, undefined, 'not-audio'],
      ['99', 0, undefined, 'no-supported-codec'],
      ['100', 0, undefined, 'no-supported-crypto'], // an SRTP key that is not 30 bytes
      ['101', 0, undefined, 'port-zero-in-offer'],
    ]);
    expect(requests.map((r) => r.label)).toEqual(['96', '97']);

    // The answer is itself valid SDP that mirrors the offer's m-lines.
    const parsed = parseSdp(answer.sdp);
    expect(parsed.origin).toMatchObject({ username: 'escucha', sessionId: '77', address: '203.0.113.5' });
    expect(parsed.media.map((m) => m.type)).toEqual(['audio', 'audio', 'video', 'audio', 'audio', 'audio']);
    expect(parsed.media.map((m) => m.label)).toEqual(['96', '97', '98', '99', '100', '101']);
    const first = parsed.media[0];
    expect(first?.formats).toEqual(['18', '101']);
    expect(first?.direction).toBe('recvonly');
    expect(first?.fmtp.get(18)).toBe('annexb=no');
    expect(first?.fmtp.get(101)).toBe('0-16');
    expect(first?.ptime).toBe(20);
    expect(parsed.media[1]?.formats).toEqual(['9']);
    expect(parsed.media[2]?.port).toBe(0);
    expect(answer.sdp.endsWith('\r\n')).toBe(true);
  });

  it('picks from its own preference list when asked to', () => {
    const answer = buildSdpAnswer(parseSdp(offer), {
      address: '203.0.113.5',
      allocatePort: () => 40000,
      preference: 'ours',
    });
    expect(answer.streams[0]?.codec?.encoding).toBe('PCMU');
  });

  it('rejects a stream when no port is free and answers inactive offers inactive', () => {
    const sdp = parseSdp(
      'v=0\r\nc=IN IP6 2001:db8::1\r\nm=audio 4000 RTP/AVP 0\r\na=inactive\r\nm=audio 4002 RTP/AVP 8\r\n',
    );
    const answer = buildSdpAnswer(sdp, {
      address: '2001:db8::5',
      allocatePort: ({ index }) => (index === 0 ? 50000 : undefined),
    });
    expect(answer.streams.map((s) => [s.port, s.direction, s.rejected])).toEqual([
      [50000, 'inactive', undefined],
      [0, 'recvonly', 'no-port'],
    ]);
    expect(answer.sdp).toContain('c=IN IP6 2001:db8::5');
  });

  it('refuses unsafe answer fields and an allocator returning nonsense', () => {
    const sdp = parseSdp(offer);
    expect(
      codeOf(() => buildSdpAnswer(sdp, { address: '1.2.3.4\r\na=evil', allocatePort: () => 4000 })),
    ).toBe('BAD_REQUEST');
    expect(codeOf(() => buildSdpAnswer(sdp, { address: '1.2.3.4', allocatePort: () => 70000 }))).toBe(
      'INTERNAL',
    );
  });
});

describe(holdStateOf.name, () => {
  const withMedia = (lines: string): ReturnType<typeof parseSdp> =>
    parseSdp(`v=0\r\nc=IN IP4 192.0.2.1\r\n${lines}`);

  it('sees sendonly, inactive and zero-address holds', () => {
    expect(holdStateOf(withMedia('m=audio 4000 RTP/AVP 0\r\na=sendonly\r\n'))).toEqual({
      onHold: true,
      reason: 'sendonly',
    });
    expect(holdStateOf(withMedia('m=audio 4000 RTP/AVP 0\r\na=inactive\r\n')).reason).toBe('inactive');
    expect(holdStateOf(parseSdp('v=0\r\nc=IN IP4 0.0.0.0\r\nm=audio 4000 RTP/AVP 0\r\n')).reason).toBe(
      'zero-address',
    );
  });

  it('does not call a SIPREC sendonly offer a hold, but does an inactive one', () => {
    expect(holdStateOf(withMedia('m=audio 4000 RTP/AVP 0\r\na=sendonly\r\n'), { siprec: true }).onHold).toBe(
      false,
    );
    expect(holdStateOf(withMedia('m=audio 4000 RTP/AVP 0\r\na=inactive\r\n'), { siprec: true }).onHold).toBe(
      true,
    );
  });

  it('is not a hold while any audio stream still flows', () => {
    const sdp = withMedia('m=audio 4000 RTP/AVP 0\r\na=sendonly\r\nm=audio 4002 RTP/AVP 0\r\n');
    expect(holdStateOf(sdp).onHold).toBe(false);
  });
});
