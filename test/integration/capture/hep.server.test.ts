import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HepServer } from '../../../services/capture/passive/hep.server.ts';
import { encodeHep, HEP_PROTOCOL } from '../../../services/capture/passive/hep.ts';
import { readWav, rms, rtpPackets, startHarness, tone, type Harness } from './capture-harness.ts';

const CALLER = { ip: '10.20.0.5', port: 5060, rtp: 16000 };
const CALLEE = { ip: '10.30.0.9', port: 5060, rtp: 20000 };

function sdp(ip: string, port: number): string {
  return [
    'v=0',
    `o=- 1 1 IN IP4 ${ip}`,
    's=-',
    `c=IN IP4 ${ip}`,
    't=0 0',
    `m=audio ${port} RTP/AVP 8 101`,
    'a=rtpmap:8 PCMA/8000',
    'a=rtpmap:101 telephone-event/8000',
    'a=sendrecv',
    '',
  ].join('\r\n');
}

function sip(lines: string[], body = ''): string {
  return [...lines, `Content-Length: ${Buffer.byteLength(body)}`, '', body].join('\r\n');
}

/** The SIP of a call between two phones as a HEP agent on a proxy would see it. */
function dialog(callId: string): Array<{ from: typeof CALLER; to: typeof CALLER; text: string }> {
  const common = [
    `From: "Agente 7" <sip:1007@pbx>;tag=a1`,
    `To: <sip:+573001230000@carrier>`,
    `Call-ID: ${callId}`,
  ];
  const withTag = [common[0]!, `${common[1]!};tag=b2`, common[2]!];
  return [
    {
      from: CALLER,
      to: CALLEE,
      text: sip(
        [
          'INVITE sip:+573001230000@carrier SIP/2.0',
          'Via: SIP/2.0/UDP 10.20.0.5:5060;branch=z9hG4bKh1',
          ...common,
          'CSeq: 1 INVITE',
          'X-Campaign: hep-campaign',
          'Content-Type: application/sdp',
        ],
        sdp(CALLER.ip, CALLER.rtp),
      ),
    },
    {
      from: CALLEE,
      to: CALLER,
      text: sip(
        [
          'SIP/2.0 200 OK',
          'Via: SIP/2.0/UDP 10.20.0.5:5060;branch=z9hG4bKh1',
          ...withTag,
          'CSeq: 1 INVITE',
          'Content-Type: application/sdp',
        ],
        sdp(CALLEE.ip, CALLEE.rtp),
      ),
    },
    {
      from: CALLER,
      to: CALLEE,
      text: sip([
        'ACK sip:+573001230000@carrier SIP/2.0',
        'Via: SIP/2.0/UDP 10.20.0.5:5060;branch=z9hG4bKh2',
        ...withTag,
        'CSeq: 1 ACK',
      ]),
    },
  ];
}

function bye(callId: string): { from: typeof CALLER; to: typeof CALLER; text: string } {
  return {
    from: CALLEE,
    to: CALLER,
    text: sip([
      'BYE sip:1007@pbx SIP/2.0',
      'Via: SIP/2.0/UDP 10.30.0.9:5060;branch=z9hG4bKh3',
      `From: <sip:+573001230000@carrier>;tag=b2`,
      `To: "Agente 7" <sip:1007@pbx>;tag=a1`,
      `Call-ID: ${callId}`,
      'CSeq: 1 BYE',
      'X-Disposition: callback',
    ]),
  };
}

/** HEP v3 receiver: SIP and RTP copies from a capture agent, over UDP and TCP, correlated into one call. */
describe(HepServer.name, () => {
  let h: Harness;
  let hepPort: number;

  beforeAll(async () => {
    h = await startHarness({
      hep: {
        host: '127.0.0.1',
        port: 0,
        transports: ['udp', 'tcp'],
        authKey: 'secreto',
        allow: ['127.0.0.0/8'],
      },
    });
    hepPort = h.status.hep!.udpPort!;
  });

  afterAll(async () => {
    await h.close();
  });

  const hep = (
    payload: Buffer | string,
    from: typeof CALLER,
    to: typeof CALLER,
    type: number,
    srcPort: number,
    dstPort: number,
    authKey = 'secreto',
  ) =>
    encodeHep({
      src: from.ip,
      dst: to.ip,
      srcPort,
      dstPort,
      seconds: Math.floor(Date.now() / 1000),
      protocolType: type,
      authKey,
      payload,
    });

  it('records a call from HEP over UDP: SIP and RTP of both parties, agent left, metadata from headers', async () => {
    const socket = createSocket('udp4');
    const send = (data: Buffer) =>
      new Promise<void>((resolve) => socket.send(data, hepPort, '127.0.0.1', () => resolve()));
    try {
      for (const m of dialog('hep-udp-1'))
        await send(hep(m.text, m.from, m.to, HEP_PROTOCOL.SIP, m.from.port, m.to.port));
      const agent = rtpPackets({ samples: tone(1, 500, 7000), law: 'PCMA', ssrc: 71 });
      const customer = rtpPackets({ samples: tone(1, 300, 9000), law: 'PCMA', ssrc: 72 });
      const start = performance.now();
      for (let i = 0; i < Math.max(agent.length, customer.length); i++) {
        const due = start + (agent[i] ?? customer[i])!.atMs;
        const wait = due - performance.now();
        if (wait > 1) await new Promise((r) => setTimeout(r, wait));
        if (agent[i])
          await send(hep(agent[i]!.data, CALLER, CALLEE, HEP_PROTOCOL.RTP, CALLER.rtp, CALLEE.rtp));
        if (customer[i])
          await send(hep(customer[i]!.data, CALLEE, CALLER, HEP_PROTOCOL.RTP, CALLEE.rtp, CALLER.rtp));
      }
      // Without the key: dropped and counted.
      await send(hep(bye('hep-udp-1').text, CALLEE, CALLER, HEP_PROTOCOL.SIP, 5060, 5060, 'wrong'));
      await new Promise((r) => setTimeout(r, 300));
      expect(h.service.hep!.stats.unauthorized).toBe(1);
      await send(hep(bye('hep-udp-1').text, CALLEE, CALLER, HEP_PROTOCOL.SIP, 5060, 5060));
      const call = await h.sink.waitForCall('hep-udp-1');
      expect(call.source).toBe('hep');
      expect(call.metadata).toMatchObject({
        campaign: 'hep-campaign',
        disposition: 'callback',
        agentName: 'Agente 7',
        direction: 'outbound',
        calleeNumber: '+573001230000',
      });
      expect(call.streams.map((s) => [s.channel, s.packets])).toEqual([
        [0, 50],
        [1, 50],
      ]);
      expect(Math.abs(call.durationMs - 1000)).toBeLessThan(100);
      const wav = await readWav(call.filePath);
      expect(rms(wav.samples[0]!, 800, 7200)).toBeGreaterThan(3500); // the agent (caller, 1007) on the left
      expect(rms(wav.samples[1]!, 800, 7200)).toBeGreaterThan(5000);
    } finally {
      socket.close();
    }
  });

  it('records a call from HEP over TCP, packets split across segments', async () => {
    const tcp = connect(hepPort, '127.0.0.1');
    await new Promise<void>((resolve) => tcp.once('connect', () => resolve()));
    try {
      const stream: Buffer[] = dialog('hep-tcp-1').map((m) =>
        hep(m.text, m.from, m.to, HEP_PROTOCOL.SIP, m.from.port, m.to.port),
      );
      for (const p of rtpPackets({ samples: tone(0.4, 500), law: 'PCMA', ssrc: 81 }))
        stream.push(hep(p.data, CALLER, CALLEE, HEP_PROTOCOL.RTP, CALLER.rtp, CALLEE.rtp));
      stream.push(hep(bye('hep-tcp-1').text, CALLEE, CALLER, HEP_PROTOCOL.SIP, 5060, 5060));
      const all = Buffer.concat(stream);
      for (let at = 0; at < all.length; at += 333) {
        tcp.write(all.subarray(at, at + 333));
        await new Promise((r) => setTimeout(r, 2));
      }
      const call = await h.sink.waitForCall('hep-tcp-1');
      expect(call.source).toBe('hep');
      expect(call.streams).toEqual([expect.objectContaining({ channel: 0, packets: 20 })]);
    } finally {
      tcp.destroy();
    }
  });
});
