import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  buildResponse,
  callIdOf,
  contentTypeOf,
  cseqOf,
  fromOf,
  parseSipMessage,
  serializeSipMessage,
  startsWithSipLine,
  toOf,
  topViaOf,
  viaBranchOf,
  type SipRequest,
} from '../../../services/capture/sip/sip.message.ts';
import {
  canonicalHeaderName,
  parseHeaderParams,
  parseNameAddr,
  parseSipUri,
  parseVia,
  phoneNumberOf,
  SipHeaders,
} from '../../../services/capture/sip/sip.headers.ts';
import { codeOf, expectContainedFailure, mutationsOf } from './capture-test-helpers.ts';

const invite = [
  'INVITE sip:srs@10.0.0.5:5060;transport=udp SIP/2.0',
  'Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK74bf9;rport',
  'Via: SIP/2.0/TCP proxy.example.com;branch=z9hG4bKprox1, SIP/2.0/UDP 192.0.2.9:5070;branch=z9hG4bKorig',
  'Max-Forwards: 70',
  'From: "Cobros Madrid" <sip:+34-600-123-456@sbc.example.com;user=phone>;tag=9fxced76sl',
  'To: <sip:srs@10.0.0.5>',
  'Call-ID: 3848276298220188511@sbc.example.com',
  'CSeq: 314159 INVITE',
  'Contact: <sip:sbc@10.0.0.1:5060>;+sip.src',
  'Require: siprec',
  'Subject: cobro',
  '  pendiente',
  'Content-Type: application/sdp',
  'Content-Length: 15',
  '',
  'v=0\r\no=- 1 1 IN',
].join('\r\n');

function parsedInvite(): SipRequest {
  const message = parseSipMessage(invite);
  if (message.kind !== 'request') throw new Error('expected a request');
  return message;
}

describe(parseSipMessage.name, () => {
  it('parses the request line, headers and a Content-Length framed body', () => {
    const m = parsedInvite();
    expect(m.method).toBe('INVITE');
    expect(m.uri).toBe('sip:srs@10.0.0.5:5060;transport=udp');
    expect(m.version).toBe('SIP/2.0');
    expect(m.body.toString()).toBe('v=0\r\no=- 1 1 IN');
    expect(callIdOf(m)).toBe('3848276298220188511@sbc.example.com');
    expect(cseqOf(m)).toEqual({ seq: 314159, method: 'INVITE' });
    expect(contentTypeOf(m)).toBe('application/sdp');
  });

  it('joins folded header lines with a single space', () => {
    expect(parsedInvite().headers.get('subject')).toBe('cobro pendiente');
  });

  it('returns every Via, splitting comma-separated values, with the top one first', () => {
    const m = parsedInvite();
    expect(m.headers.getAll('Via')).toHaveLength(3);
    expect(topViaOf(m)).toMatchObject({
      transport: 'UDP',
      host: '10.0.0.1',
      port: 5060,
      branch: 'z9hG4bK74bf9',
    });
    expect(viaBranchOf(m)).toBe('z9hG4bK74bf9');
    expect(parseVia(m.headers.getAll('v')[2] ?? '')).toMatchObject({ host: '192.0.2.9', port: 5070 });
  });

  it('expands compact header forms and matches names case-insensitively', () => {
    const m = parseSipMessage(
      [
        'BYE sip:srs@10.0.0.5 SIP/2.0',
        'v: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKa',
        'f: <sip:alice@a.example>;tag=1',
        't: <sip:bob@b.example>;tag=2',
        'i: abc@h',
        'CSEQ: 2 BYE',
        'm: <sip:alice@10.0.0.1>',
        'k: timer, replaces',
        's: hello',
        'c: text/plain',
        'l: 0',
        '',
        '',
      ].join('\r\n'),
    );
    expect(m.headers.get('Call-ID')).toBe('abc@h');
    expect(m.headers.get('CALL-ID')).toBe('abc@h');
    expect(m.headers.getAll('Supported')).toEqual(['timer', 'replaces']);
    expect(m.headers.get('Contact')).toBe('<sip:alice@10.0.0.1>');
    expect(m.headers.get('Subject')).toBe('hello');
    expect(contentTypeOf(m)).toBe('text/plain');
    expect(fromOf(m).tag).toBe('1');
    expect(toOf(m).tag).toBe('2');
    expect(m.headers.entries().map((e) => e.name)).toContain('Content-Length');
  });

  it('parses a status line with a multi-word reason and LF-only line ends', () => {
    const m = parseSipMessage(
      'SIP/2.0 486 Busy Here\nVia: SIP/2.0/UDP h;branch=z9hG4bKx\nContent-Length: 0\n\n',
    );
    expect(m).toMatchObject({ kind: 'response', status: 486, reason: 'Busy Here' });
  });

  it('takes the rest of a UDP datagram as body when Content-Length is absent, and refuses that on streams', () => {
    const text = 'MESSAGE sip:a@b SIP/2.0\r\nCall-ID: x\r\n\r\nhola';
    expect(parseSipMessage(text).body.toString()).toBe('hola');
    expect(codeOf(() => parseSipMessage(text, { requireContentLength: true }))).toBe('BAD_REQUEST');
  });

  it('ignores bytes past Content-Length and rejects a body shorter than it', () => {
    const base = 'OPTIONS sip:a@b SIP/2.0\r\nContent-Length: 3\r\n\r\n';
    expect(parseSipMessage(`${base}abcdef`).body.toString()).toBe('abc');
    expect(codeOf(() => parseSipMessage(`${base}ab`))).toBe('BAD_REQUEST');
  });

  it('skips CRLFs before the start line', () => {
    expect(parseSipMessage('\r\n\r\nACK sip:a@b SIP/2.0\r\nContent-Length: 0\r\n\r\n').kind).toBe('request');
  });

  it.each([
    ['an empty message', ''],
    ['no blank line', 'INVITE sip:a@b SIP/2.0\r\nVia: x'],
    ['a bad request line', 'INVITE  sip:a@b SIP/2.0\r\n\r\n'],
    ['a bad status code', 'SIP/2.0 99 Odd\r\n\r\n'],
    ['a header without colon', 'INVITE sip:a@b SIP/2.0\r\nVia\r\n\r\n'],
    ['a continuation first', 'INVITE sip:a@b SIP/2.0\r\n folded\r\n\r\n'],
    ['a negative length', 'INVITE sip:a@b SIP/2.0\r\nContent-Length: -1\r\n\r\n'],
    ['a huge length', 'INVITE sip:a@b SIP/2.0\r\nContent-Length: 99999999999999999999\r\n\r\n'],
  ])('throws BAD_REQUEST for %s', (_what, text) => {
    expect(codeOf(() => parseSipMessage(text))).toBe('BAD_REQUEST');
  });

  it('limits the header section and the header count', () => {
    const many = `INVITE sip:a@b SIP/2.0\r\n${'X-A: 1\r\n'.repeat(300)}\r\n`;
    expect(codeOf(() => parseSipMessage(many))).toBe('BAD_REQUEST');
    const long = `INVITE sip:a@b SIP/2.0\r\nX-Big: ${'a'.repeat(70_000)}\r\n\r\n`;
    expect(codeOf(() => parseSipMessage(long))).toBe('BAD_REQUEST');
  });

  it('never fails with anything but BAD_REQUEST on random and mutated input', () => {
    fc.assert(
      fc.property(mutationsOf(Buffer.from(invite)), (bytes) => {
        expectContainedFailure(() => {
          const m = parseSipMessage(bytes);
          // Helpers on a parsed message must be just as contained.
          for (const helper of [callIdOf, cseqOf, topViaOf, fromOf, toOf]) {
            expectContainedFailure(() => helper(m));
          }
          serializeSipMessage(m);
        });
      }),
      { numRuns: 400 },
    );
  });
});

describe(serializeSipMessage.name, () => {
  it('round-trips a parsed message and rewrites Content-Length from the body', () => {
    const m = parsedInvite();
    const again = parseSipMessage(serializeSipMessage(m));
    expect(again.headers.entries()).toEqual(m.headers.entries().map((e) => ({ ...e })));
    expect(again.body.equals(m.body)).toBe(true);
    m.body = Buffer.from('changed body');
    expect(parseSipMessage(serializeSipMessage(m)).headers.get('Content-Length')).toBe('12');
  });
});

describe(buildResponse.name, () => {
  it('copies all Vias in order, From, To, Call-ID and CSeq, and adds our To tag', () => {
    const request = parsedInvite();
    const response = buildResponse(request, 200, 'OK', {
      toTag: 'srs-42',
      headers: [
        ['Contact', '<sip:srs@10.0.0.5>'],
        ['Content-Type', 'application/sdp'],
      ],
      body: 'v=0\r\n',
    });
    const text = serializeSipMessage(response).toString();
    expect(text.startsWith('SIP/2.0 200 OK\r\n')).toBe(true);
    const parsed = parseSipMessage(text);
    expect(parsed.headers.getAll('Via')).toEqual(request.headers.getAll('Via'));
    expect(parsed.headers.get('From')).toBe(request.headers.get('From'));
    expect(toOf(parsed).tag).toBe('srs-42');
    expect(callIdOf(parsed)).toBe(callIdOf(request));
    expect(cseqOf(parsed)).toEqual(cseqOf(request));
    expect(parsed.headers.get('Content-Length')).toBe('5');
    expect(parsed.headers.get('Contact')).toBe('<sip:srs@10.0.0.5>');
  });

  it('leaves To untouched on 100 Trying and when the request already has a tag', () => {
    const request = parsedInvite();
    expect(toOf(buildResponse(request, 100, 'Trying', { toTag: 'x' })).tag).toBeUndefined();
    request.headers.set('To', '<sip:srs@10.0.0.5>;tag=existing');
    expect(toOf(buildResponse(request, 200, 'OK', { toTag: 'x' })).tag).toBe('existing');
  });

  it('refuses header injection and invalid status codes', () => {
    const request = parsedInvite();
    expect(codeOf(() => buildResponse(request, 200, 'OK\r\nX: y'))).toBe('BAD_REQUEST');
    expect(codeOf(() => buildResponse(request, 700, 'Odd'))).toBe('BAD_REQUEST');
    expect(codeOf(() => buildResponse(request, 200, 'OK', { headers: [['X-A', 'a\r\nInjected: 1']] }))).toBe(
      'BAD_REQUEST',
    );
  });
});

describe(SipHeaders.name, () => {
  it('splits list headers but not quoted commas or URIs with commas inside angle brackets', () => {
    const headers = new SipHeaders([['Contact', '"Doe, John" <sip:j@h>;q=0.5, <sip:x@y?a=1,2>']]);
    expect(headers.getAll('m')).toEqual(['"Doe, John" <sip:j@h>;q=0.5', '<sip:x@y?a=1,2>']);
    expect(new SipHeaders([['Date', 'Sat, 13 Nov 2010 23:29:00 GMT']]).getAll('Date')).toHaveLength(1);
  });

  it('canonicalises names', () => {
    expect(canonicalHeaderName('call-id')).toBe('Call-ID');
    expect(canonicalHeaderName('CSEQ')).toBe('CSeq');
    expect(canonicalHeaderName('x-agent-id')).toBe('X-Agent-Id');
    expect(canonicalHeaderName('i')).toBe('Call-ID');
  });
});

describe(parseNameAddr.name, () => {
  it('parses display names, URIs and tags in both forms', () => {
    expect(parseNameAddr('"A \\"B\\"" <sip:a@b;transport=tcp>;tag=1;x')).toMatchObject({
      displayName: 'A "B"',
      uri: 'sip:a@b;transport=tcp',
    });
    const bare = parseNameAddr('sip:a@b;tag=77');
    expect(bare.uri).toBe('sip:a@b');
    expect(bare.params['tag']).toBe('77');
  });

  it('rejects unterminated brackets', () => {
    expect(codeOf(() => parseNameAddr('<sip:a@b'))).toBe('BAD_REQUEST');
  });
});

describe(parseSipUri.name, () => {
  it('reads user, host, port and params of sip, sips and tel URIs', () => {
    expect(parseSipUri('sip:%2B34600@[2001:db8::1]:5061;transport=tls')).toMatchObject({
      scheme: 'sip',
      user: '+34600',
      host: '2001:db8::1',
      port: 5061,
    });
    expect(parseSipUri('tel:+34-91-555-0101;phone-context=example.com')).toMatchObject({
      scheme: 'tel',
      user: '+34-91-555-0101',
    });
    expect(parseSipUri('sips:alice:secret@example.com').user).toBe('alice');
  });

  it('extracts phone numbers from user parts', () => {
    expect(phoneNumberOf('+34-600-123-456')).toBe('+34600123456');
    expect(phoneNumberOf('(91) 555.0101;isub=7')).toBe('915550101');
    expect(phoneNumberOf('alice')).toBeUndefined();
  });

  it('rejects other schemes and bad ports', () => {
    expect(codeOf(() => parseSipUri('http://example.com'))).toBe('BAD_REQUEST');
    expect(codeOf(() => parseSipUri('sip:a@b:99999'))).toBe('BAD_REQUEST');
    expect(codeOf(() => parseSipUri('sip:%zz@b'))).toBe('BAD_REQUEST');
  });

  it('never fails with anything but BAD_REQUEST on random header values', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (text) => {
        expectContainedFailure(() => parseSipUri(text));
        expectContainedFailure(() => parseNameAddr(text));
        expectContainedFailure(() => parseVia(text));
        expectContainedFailure(() => parseHeaderParams(text));
      }),
      { numRuns: 300 },
    );
  });
});

describe(startsWithSipLine.name, () => {
  // A request URI as carriers send them: number portability, phone context, long host names and parameters.
  const longUri = `sip:+573001234567;npdi;rn=+5730099;phone-context=+57@${'trunk-gw-'.repeat(30)}carrier.example.co;user=phone;transport=udp`;

  it('recognises requests whatever the length of the request URI, and status lines', () => {
    expect(longUri.length).toBeGreaterThan(300);
    expect(startsWithSipLine(Buffer.from(`INVITE ${longUri} SIP/2.0\r\nVia: x\r\n\r\n`))).toBe(true);
    expect(startsWithSipLine(Buffer.from(`SUBSCRIBE sip:b@c SIP/2.0\nVia: x\n\n`))).toBe(true); // bare LF
    expect(startsWithSipLine(Buffer.from('SIP/2.0 200 OK\r\nVia: x\r\n\r\n'))).toBe(true);
    expect(startsWithSipLine(Buffer.from('SIP/2.0 183 Session Progress\r\n'))).toBe(true);
  });

  it('refuses what is not a SIP start line', () => {
    const rtp = Buffer.from([0x80, 0x00, 0x00, 0x01, 0, 0, 0, 160, 0, 0, 0, 1, 0xff, 0xff]);
    const dns = Buffer.from('0a1b0100000100000000000003777777076578616d706c6503636f6d0000010001', 'hex');
    for (const bytes of [
      rtp,
      dns,
      Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'),
      Buffer.from('INVITE sip:b@c SIP/2.0'), // no end of line: not a whole start line
      Buffer.from('INVITE sip:b@c extra SIP/2.0\r\n'),
      Buffer.from('HELLO WORLD SIP/2.0 trailing\r\n'),
    ]) {
      expect(startsWithSipLine(bytes), bytes.toString('latin1').slice(0, 30)).toBe(false);
    }
    // a start line longer than the header limit is not taken for SIP
    expect(startsWithSipLine(Buffer.from(`INVITE ${longUri} SIP/2.0\r\n`), 64)).toBe(false);
  });
});
