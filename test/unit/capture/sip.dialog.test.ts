import { describe, expect, it } from 'vitest';
import {
  DEFAULT_HEADER_MAP,
  parseHeaderMap,
  type MetadataRules,
} from '../../../services/capture/call.metadata.ts';
import {
  idleLimitMs,
  isSiprecInvite,
  SipDialog,
  type DialogEvent,
} from '../../../services/capture/dialog/sip.dialog.ts';
import {
  parseSipMessage,
  type SipMessage,
  type SipRequest,
} from '../../../services/capture/sip/sip.message.ts';

const RULES: MetadataRules = {
  agentHeader: 'X-Agent-Id',
  headerMap: parseHeaderMap(DEFAULT_HEADER_MAP),
  agentPattern: /^[0-9]{3,5}$/,
  defaultAgent: 'caller',
};

function sdp(direction: string): string {
  return [
    'v=0',
    'o=- 1 1 IN IP4 10.0.0.1',
    's=-',
    'c=IN IP4 10.0.0.1',
    't=0 0',
    'm=audio 4000 RTP/AVP 0',
    `a=${direction}`,
    '',
  ].join('\r\n');
}

/** A request from the caller (tag a) or a response of the callee (tag b), as text. */
function message(
  first: string,
  o: {
    cseq: string;
    toTag?: boolean;
    headers?: string[];
    body?: string;
    type?: string;
    fromCallee?: boolean;
  },
): SipMessage {
  const body = o.body ?? '';
  const from = o.fromCallee ? '<sip:2001@pbx>;tag=b' : '<sip:+34600111222@carrier>;tag=a';
  const to = o.fromCallee ? '<sip:+34600111222@carrier>;tag=a' : `<sip:2001@pbx>${o.toTag ? ';tag=b' : ''}`;
  const lines = [
    first,
    'Via: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK1',
    `From: ${from}`,
    `To: ${to}`,
    'Call-ID: d-1',
    `CSeq: ${o.cseq}`,
    ...(o.headers ?? []),
    ...(body ? [`Content-Type: ${o.type ?? 'application/sdp'}`] : []),
    `Content-Length: ${Buffer.byteLength(body)}`,
    '',
    body,
  ];
  return parseSipMessage(Buffer.from(lines.join('\r\n')));
}

const invite = (direction = 'sendrecv', headers: string[] = []) =>
  message('INVITE sip:2001@pbx SIP/2.0', { cseq: '1 INVITE', body: sdp(direction), headers }) as SipRequest;
const ok = (cseq: string, body?: string) =>
  message('SIP/2.0 200 OK', { cseq, toTag: true, ...(body ? { body } : {}) });

/** Opens a dialog and feeds the rest, every message 100 ms after the previous; returns every event. */
function run(first: SipRequest, rest: SipMessage[]): { dialog: SipDialog; events: DialogEvent[] } {
  const opened = SipDialog.open(first, RULES, 0);
  if (!opened) throw new Error('not opened');
  const events = [...opened.step.events];
  rest.forEach((m, i) => events.push(...opened.dialog.feed(m, (i + 1) * 100).events));
  return { dialog: opened.dialog, events };
}

const kinds = (events: DialogEvent[]) => events.filter((e) => e.t !== 'sdp').map((e) => e.t);

describe(SipDialog.name, () => {
  it('does not open on an INVITE with a To tag (a re-INVITE of a dialog not seen begin)', () => {
    const reinvite = message('INVITE sip:2001@pbx SIP/2.0', {
      cseq: '5 INVITE',
      toTag: true,
      body: sdp('sendrecv'),
    });
    expect(SipDialog.open(reinvite as SipRequest, RULES, 0)).toBeUndefined();
  });

  it('puts an offer into effect with its 2xx, dated when it was offered; an offer refused changes nothing', () => {
    const { events, dialog } = run(invite(), [
      ok('1 INVITE', sdp('recvonly')),
      message('INVITE sip:2001@pbx SIP/2.0', {
        cseq: '2 INVITE',
        toTag: true,
        body: sdp('sendonly'),
        headers: ['X-Campaign: b'],
      }),
      message('SIP/2.0 491 Request Pending', { cseq: '2 INVITE', toTag: true }),
      message('INVITE sip:2001@pbx SIP/2.0', {
        cseq: '3 INVITE',
        toTag: true,
        body: sdp('inactive'),
        headers: ['X-Campaign: c'],
      }),
      ok('3 INVITE', sdp('inactive')),
    ]);
    expect(events.filter((e) => e.t !== 'sdp')).toEqual([
      { t: 'metadata', headers: { 'x-campaign': 'c' } },
      { t: 'pause', atMs: 400, reason: 'hold' },
    ]);
    expect(dialog.sip.headers['x-campaign']).toBe('c');
    expect(dialog.isPaused).toBe(true);
    // Every party's SDP is reported as it is seen, refused or not.
    expect(events.filter((e) => e.t === 'sdp').map((e) => e.t === 'sdp' && e.by)).toEqual([
      'caller',
      'callee',
      'caller',
      'caller',
      'callee',
    ]);
  });

  it('takes the ACK for the 2xx it did not see; without an offer in the INVITE, the 2xx holds it', () => {
    const unseenAnswer = run(invite(), [
      message('ACK sip:2001@pbx SIP/2.0', { cseq: '1 ACK', toTag: true }),
      message('INVITE sip:2001@pbx SIP/2.0', { cseq: '2 INVITE', toTag: true, body: sdp('inactive') }),
      message('ACK sip:2001@pbx SIP/2.0', { cseq: '2 ACK', toTag: true }),
    ]);
    expect(kinds(unseenAnswer.events)).toEqual(['pause']);
    const lateOffer = run(invite(), [
      ok('1 INVITE', sdp('recvonly')),
      message('INVITE sip:2001@pbx SIP/2.0', { cseq: '2 INVITE', toTag: true }),
      ok('2 INVITE', sdp('inactive')),
    ]);
    expect(kinds(lateOffer.events)).toEqual(['pause']);
  });

  it('acts once on a retransmitted INFO, caps a key press, answers a bad key 400 and an unknown body 415', () => {
    const info = (cseq: number, type: string, body: string) =>
      message('INFO sip:2001@pbx SIP/2.0', { cseq: `${cseq} INFO`, toTag: true, type, body });
    const opened = SipDialog.open(invite(), RULES, 0)!;
    opened.dialog.feed(ok('1 INVITE'), 10);
    const steps = [
      info(2, 'application/dtmf', '7'),
      info(2, 'application/dtmf', '7'),
      info(3, 'application/dtmf-relay', 'Signal=#\r\nDuration=90000'),
      info(4, 'application/dtmf-relay', 'Signal=Q'),
      info(5, 'application/json', '{}'),
    ].map((m) => opened.dialog.feed(m, 50));
    expect(steps.map((s) => s.events)).toEqual([
      [{ t: 'key', channel: 1, digit: '7', durationMs: 160, atMs: 50 }],
      [],
      [{ t: 'key', channel: 1, digit: '#', durationMs: 10_000, atMs: 50 }],
      [],
      [],
    ]);
    expect(steps.map((s) => s.reply?.status)).toEqual([200, undefined, 200, 400, 415]);
    expect(steps[4]!.reply?.accept).toContain('application/dtmf');
  });

  it('ends on BYE with its headers; on CANCEL only before the answer; on the first INVITE refused', () => {
    const bye = message('BYE sip:2001@pbx SIP/2.0', {
      cseq: '2 BYE',
      toTag: true,
      headers: ['X-Disposition: paid'],
    });
    expect(run(invite(), [ok('1 INVITE'), bye]).events.filter((e) => e.t !== 'sdp')).toEqual([
      { t: 'metadata', headers: { 'x-disposition': 'paid' } },
      { t: 'ended', reason: 'bye', atMs: 200 },
    ]);
    const cancel = message('CANCEL sip:2001@pbx SIP/2.0', { cseq: '1 CANCEL' });
    expect(kinds(run(invite(), [ok('1 INVITE'), cancel]).events)).toEqual([]);
    expect(kinds(run(invite(), [cancel]).events)).toEqual(['ended']);
    const busy = message('SIP/2.0 486 Busy Here', { cseq: '1 INVITE', toTag: true });
    expect(run(invite(), [busy]).events.at(-1)).toEqual({ t: 'ended', reason: 'rejected', atMs: 100 });
  });

  it('keeps headers of INVITE, accepted offers, INFO and BYE only; a key press is on its sender’s channel', () => {
    const options = message('OPTIONS sip:2001@pbx SIP/2.0', {
      cseq: '2 OPTIONS',
      toTag: true,
      headers: ['X-Campaign: no'],
    });
    const calleeInfo = message('INFO sip:+34600111222@carrier SIP/2.0', {
      cseq: '7 INFO',
      fromCallee: true,
      type: 'application/dtmf-relay',
      body: 'Signal=3\r\nDuration=100',
    });
    const { events, dialog } = run(invite('sendrecv', ['X-Campaign: yes']), [
      ok('1 INVITE'),
      options,
      calleeInfo,
    ]);
    expect(dialog.sip.headers['x-campaign']).toBe('yes');
    // 2001 matches the agent pattern: the callee is the agent, on channel 0.
    expect(events.filter((e) => e.t === 'key')).toEqual([
      { t: 'key', channel: 0, digit: '3', durationMs: 100, atMs: 300 },
    ]);
  });

  it('starts paused when the first offer is on hold (SIPREC: inactive), and knows SIPREC by its option tag', () => {
    const siprec = invite('inactive', ['Require: siprec']);
    expect(isSiprecInvite(siprec, undefined)).toBe(true);
    expect(isSiprecInvite(invite(), undefined)).toBe(false);
    const { events } = run(siprec, [ok('1 INVITE', sdp('recvonly'))]);
    expect(events.filter((e) => e.t !== 'sdp')).toEqual([{ t: 'pause', atMs: 0, reason: 'inactive' }]);
  });

  it('gives a paused dialog longer before it is taken for abandoned', () => {
    expect([idleLimitMs(60_000, false), idleLimitMs(60_000, true)]).toEqual([60_000, 240_000]);
  });
});
