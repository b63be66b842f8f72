import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { boundaryOf, parseMultipart, siprecBodies } from '../../../services/capture/sip/multipart.ts';
import { contentTypeOf, parseSipMessage } from '../../../services/capture/sip/sip.message.ts';
import { codeOf, expectContainedFailure, mutationsOf } from './capture-test-helpers.ts';

const fixture = (name: string): Buffer =>
  readFileSync(new URL(`../../fixtures/capture/siprec/${name}`, import.meta.url));

const body = Buffer.from(
  [
    'This preamble is ignored.',
    '--uniq boundary:1',
    'Content-Type: application/sdp',
    '',
    'v=0',
    '',
    '--uniq boundary:1',
    'Content-Type: application/rs-metadata+xml; charset=utf-8',
    'Content-Disposition: recording-session;',
    '  handling=required',
    '',
    '<recording/>',
    '--uniq boundary:1--',
    'epilogue',
  ].join('\r\n'),
);

describe(parseMultipart.name, () => {
  it('splits parts with a quoted boundary, a preamble, folded part headers and an epilogue', () => {
    const parsed = parseMultipart(body, 'multipart/mixed; boundary="uniq boundary:1"');
    expect(parsed.closed).toBe(true);
    expect(parsed.parts.map((p) => p.contentType)).toEqual([
      'application/sdp',
      'application/rs-metadata+xml',
    ]);
    expect(parsed.parts[0]?.body.toString()).toBe('v=0\r\n');
    expect(parsed.parts[1]?.body.toString()).toBe('<recording/>');
    expect(parsed.parts[1]?.contentTypeParams['charset']).toBe('utf-8');
    expect(parsed.parts[1]?.disposition).toBe('recording-session');
    expect(parsed.parts[1]?.dispositionParams['handling']).toBe('required');
  });

  it('accepts an unquoted boundary, LF-only line ends and a missing close delimiter', () => {
    const lf = Buffer.from(
      '--b1\nContent-Type: application/sdp\n\nv=0\n--b1\nContent-Type: text/plain\n\nlast\n',
    );
    const parsed = parseMultipart(lf, 'multipart/mixed;boundary=b1');
    expect(parsed.closed).toBe(false);
    expect(parsed.parts.map((p) => p.body.toString())).toEqual(['v=0', 'last']);
  });

  it('does not cut at a boundary-like string inside a line or followed by other text', () => {
    const tricky = Buffer.from('--b\r\n\r\nx --b y\r\n--bz\r\n--b--\r\n');
    expect(parseMultipart(tricky, 'multipart/mixed; boundary=b').parts[0]?.body.toString()).toBe(
      'x --b y\r\n--bz',
    );
  });

  it('defaults a part without Content-Type to text/plain', () => {
    const parsed = parseMultipart(Buffer.from('--b\r\n\r\nhello\r\n--b--'), 'multipart/mixed; boundary=b');
    expect(parsed.parts[0]?.contentType).toBe('text/plain');
  });

  it.each([
    ['no boundary parameter', 'multipart/mixed'],
    ['a non-multipart type', 'application/sdp; boundary=x'],
    ['an over-long boundary', `multipart/mixed; boundary=${'a'.repeat(71)}`],
  ])('rejects %s', (_what, type) => {
    expect(codeOf(() => parseMultipart(body, type))).toBe('BAD_REQUEST');
  });

  it('rejects a body without the boundary and too many parts', () => {
    expect(codeOf(() => parseMultipart(Buffer.from('nothing here'), 'multipart/mixed; boundary=b'))).toBe(
      'BAD_REQUEST',
    );
    const many = Buffer.from(`${'--b\r\n\r\nx\r\n'.repeat(20)}--b--`);
    expect(codeOf(() => parseMultipart(many, 'multipart/mixed; boundary=b', { maxParts: 16 }))).toBe(
      'BAD_REQUEST',
    );
  });

  it('never fails with anything but BAD_REQUEST on mutated bodies', () => {
    const type = 'multipart/mixed;boundary=foobar';
    const invite = parseSipMessage(fixture('rfc7866-invite.sip'));
    fc.assert(
      fc.property(mutationsOf(invite.body), fc.boolean(), (bytes, quoted) => {
        expectContainedFailure(() =>
          parseMultipart(bytes, quoted ? 'multipart/mixed; boundary="foobar"' : type),
        );
      }),
      { numRuns: 300 },
    );
  });
});

describe(siprecBodies.name, () => {
  it('finds the SDP and the metadata of a SIPREC INVITE', () => {
    const invite = parseSipMessage(fixture('rfc7866-invite.sip'));
    expect(boundaryOf(invite.headers.get('Content-Type') ?? '')).toBe('foobar');
    const { sdp, metadata } = siprecBodies(invite.headers.get('Content-Type'), invite.body);
    expect(sdp?.toString().startsWith('v=0\r\n')).toBe(true);
    expect(sdp?.toString()).toContain('a=label:97');
    expect(metadata?.toString()).toContain('<recording');
    expect(metadata?.toString().trimEnd().endsWith('</recording>')).toBe(true);
    expect(contentTypeOf(invite)).toBe('multipart/mixed');
  });

  it('handles single-part bodies and an empty body', () => {
    expect(siprecBodies('application/sdp', Buffer.from('v=0')).sdp?.toString()).toBe('v=0');
    expect(siprecBodies('application/rs-metadata+xml', Buffer.from('<r/>')).metadata?.toString()).toBe(
      '<r/>',
    );
    expect(siprecBodies(undefined, Buffer.alloc(0))).toEqual({ sdp: undefined, metadata: undefined });
    expect(codeOf(() => siprecBodies('text/html', Buffer.from('x')))).toBe('BAD_REQUEST');
  });

  it('finds metadata by disposition when the part type is unusual', () => {
    const multipart = Buffer.from(
      '--b\r\nContent-Type: application/xml\r\nContent-Disposition: recording-session\r\n\r\n<recording/>\r\n--b--',
    );
    expect(siprecBodies('multipart/mixed;boundary=b', multipart).metadata?.toString()).toBe('<recording/>');
  });
});
