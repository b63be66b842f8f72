import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeRtp } from '../../../services/capture/rtp/rtp.ts';
import {
  answerPorts,
  multipart,
  readWav,
  request,
  rms,
  sendRtp,
  SipClient,
  siprecMetadata,
  startHarness,
  status,
  type Harness,
} from './capture-harness.ts';
import { amrFrames, amrPayload, fixture, frequencyOf, ilbcFrames } from './codec-packets.ts';

/** The recording server answers and records iLBC and AMR-WB streams, and ffmpeg decodes them when the call ends. */
describe('SIPREC recording of iLBC and AMR-WB streams', () => {
  let h: Harness;
  let client: SipClient;

  beforeAll(async () => {
    h = await startHarness();
    client = await SipClient.udp();
  });
  afterAll(async () => {
    client.close();
    await h.close();
  });

  it('answers with the offered codec and fmtp, and archives both streams decoded', async () => {
    const callId = 'siprec-codecs-1';
    const offer = [
      'v=0',
      'o=src 1 1 IN IP4 127.0.0.1',
      's=-',
      'c=IN IP4 127.0.0.1',
      't=0 0',
      'm=audio 30000 RTP/AVP 97 101',
      'a=rtpmap:97 iLBC/8000',
      'a=fmtp:97 mode=30',
      'a=rtpmap:101 telephone-event/8000',
      'a=label:1',
      'a=sendonly',
      'm=audio 30002 RTP/AVP 102 103',
      'a=rtpmap:102 AMR-WB/16000',
      'a=fmtp:102 octet-align=1; mode-change-capability=2',
      'a=rtpmap:103 telephone-event/16000',
      'a=label:2',
      'a=sendonly',
      '',
    ].join('\r\n');
    const { contentType, body } = multipart(
      offer,
      siprecMetadata({
        callerAor: 'sip:+573001234567@carrier',
        calleeAor: 'sip:4711@pbx',
        labels: ['1', '2'],
      }),
    );
    const base = { callId, port: h.sipPort, clientPort: client.port };
    client.send(
      request({ ...base, method: 'INVITE', cseq: 1, contentType, body, headers: ['Require: siprec'] }),
      h.sipPort,
    );
    const ok = await client.waitFor(status(200, 'INVITE'));
    const answer = ok.body.toString();
    expect(answer).toContain('a=rtpmap:97 iLBC/8000\r\na=fmtp:97 mode=30');
    expect(answer).toContain(
      'a=rtpmap:102 AMR-WB/16000\r\na=fmtp:102 octet-align=1; mode-change-capability=2',
    );
    const [p1, p2] = answerPorts(answer);
    expect(p1).toBeGreaterThan(0);
    expect(p2).toBeGreaterThan(0);
    const toTag = /tag=([^;\s]+)/.exec(ok.headers.get('To') ?? '')?.[1];
    client.send(request({ ...base, method: 'ACK', cseq: 1, toTag }), h.sipPort);

    const ilbc = ilbcFrames(fixture('ilbc-30-600hz.lbc')).map((payload, i) => ({
      atMs: i * 30,
      data: encodeRtp({ payloadType: 97, sequence: i, timestamp: i * 240, ssrc: 11, payload }),
    }));
    const amr = amrFrames('amr-wb', fixture('amr-wb-1000hz.awb')).map((frame, i) => ({
      atMs: i * 20,
      data: encodeRtp({
        payloadType: 102,
        sequence: i,
        timestamp: i * 320,
        ssrc: 12,
        payload: amrPayload('amr-wb', [frame], { octetAligned: true }),
      }),
    }));
    await Promise.all([sendRtp(ilbc, p1!), sendRtp(amr, p2!)]);
    client.send(request({ ...base, method: 'BYE', cseq: 2, toTag }), h.sipPort);
    await client.waitFor(status(200, 'BYE'));

    const call = await h.sink.waitForCall(callId);
    expect(call.streams.map((s) => [s.codec, s.audio, s.packets])).toEqual(
      expect.arrayContaining([
        ['iLBC', 'decoded', 40],
        ['AMR-WB', 'decoded', 60],
      ]),
    );
    expect(call.notes.filter((n) => n.includes('not decodable'))).toEqual([]);
    expect(call.sampleRate).toBe(16000);
    expect(Math.abs(call.durationMs - 1200)).toBeLessThan(150);
    const wav = await readWav(call.filePath);
    // 4711 is the agent (left): label 2, AMR-WB at 1000 Hz; the customer (right): label 1, iLBC at 600 Hz.
    const [agent, customer] = wav.samples as [Int16Array, Int16Array];
    for (const [samples, hz] of [
      [agent, 1000],
      [customer, 600],
    ] as const) {
      const steady = samples.subarray(3200, 12800);
      expect(rms(steady), String(hz)).toBeGreaterThan(5000);
      expect(Math.abs(frequencyOf(steady, 16000) - hz), String(hz)).toBeLessThan(30);
    }
  });
});
