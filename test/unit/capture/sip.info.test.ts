import { describe, expect, it } from 'vitest';
import { interpretInfo, MAX_INFO_KEY_PRESS_MS } from '../../../services/capture/sip/sip.info.ts';
import { parseSipMessage, type SipRequest } from '../../../services/capture/sip/sip.message.ts';

function info(headers: string[], body = ''): SipRequest {
  return parseSipMessage(
    [
      'INFO sip:srs@10.0.0.9 SIP/2.0',
      'Via: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK1',
      'From: <sip:src@10.0.0.1>;tag=a',
      'To: <sip:srs@10.0.0.9>;tag=b',
      'Call-ID: i-1',
      'CSeq: 5 INFO',
      ...headers,
      `Content-Length: ${Buffer.byteLength(body)}`,
      '',
      body,
    ].join('\r\n'),
  ) as SipRequest;
}

describe(interpretInfo.name, () => {
  it('reads key presses from dtmf-relay and dtmf bodies, cutting durations at the cap', () => {
    expect(
      interpretInfo(info(['Content-Type: application/dtmf-relay'], 'Signal=5\r\nDuration=250\r\n')),
    ).toEqual({
      kind: 'key',
      digit: '5',
      durationMs: 250,
    });
    expect(interpretInfo(info(['Content-Type: application/dtmf'], '#'))).toEqual({
      kind: 'key',
      digit: '#',
      durationMs: 160,
    });
    expect(
      interpretInfo(info(['Content-Type: application/dtmf-relay'], 'Signal=b\r\nDuration=999999')),
    ).toEqual({
      kind: 'key',
      digit: 'B',
      durationMs: MAX_INFO_KEY_PRESS_MS,
    });
    expect(interpretInfo(info(['Content-Type: application/dtmf-relay'], 'Signal=hello'))).toEqual({
      kind: 'bad-key',
    });
  });

  it('reads recording pause and resume from headers and control bodies', () => {
    expect(interpretInfo(info(['X-Recording-Action: Pause']))).toEqual({ kind: 'pause' });
    expect(interpretInfo(info(['Recording-Action: resume']))).toEqual({ kind: 'resume' });
    expect(interpretInfo(info(['Content-Type: application/x-recording-control'], 'pause'))).toEqual({
      kind: 'pause',
    });
    expect(interpretInfo(info(['Content-Type: text/plain'], 'resume'))).toEqual({ kind: 'resume' });
  });

  it('takes an empty INFO as nothing to do and an unknown body type as unsupported', () => {
    expect(interpretInfo(info([]))).toEqual({ kind: 'none' });
    expect(interpretInfo(info(['Content-Type: application/vnd.example+xml'], '<x/>'))).toEqual({
      kind: 'unsupported',
    });
  });
});
