import { normalizeNumber } from '../../models/call.ts';
import { encodeG711 } from '../../services/capture/rtp/g711.ts';
import { frameAt, udpFrame, type WrittenFrame } from './pcap.writer.ts';
import { encodeTelephoneEvent } from '../../services/capture/rtp/rfc4733.ts';
import { encodeRtp } from '../../services/capture/rtp/rtp.ts';
import { SipHeaders } from '../../services/capture/sip/sip.headers.ts';
import {
  buildResponse,
  serializeSipMessage,
  SIP_VERSION,
  type SipRequest,
  type SipResponse,
} from '../../services/capture/sip/sip.message.ts';
import type { CallScript } from '../../services/cli/call-script.ts';
import type { Party } from '../../models/database.ts';
import type { RenderedCall } from './call.renderer.ts';
import { dtmfEventCode, resample, seededRandom } from './dsp.ts';

/**
 * The packets of a rendered call as a SIP trunk would carry it (Ethernet/IPv4/UDP): INVITE with an SDP offer
 * (PCMU or PCMA + telephone-event/8000), 100 Trying, 180 Ringing, 200 OK with the answer, ACK, then 20 ms G.711
 * RTP both ways, then BYE and its 200 OK. Keys are sent the way a gateway in "RFC 2833 mode" sends them: RFC 4733
 * telephone-event packets (a first one with the marker bit, one every 20 ms with a growing duration, three end
 * packets), while the audio packets of that direction keep flowing with the tone muted out of them.
 */

export const SIP_PORT = 5060;
export const TELEPHONE_EVENT_PT = 101;
const PACKET_MS = 20;
const SAMPLES_PER_PACKET = 160;
const RTP_RATE = 8000;

export interface SipCallOptions {
  /** When the INVITE is sent (default: metadata.startedAt minus the ringing time, else 2026-01-15T15:00:00Z). */
  startTime?: Date;
  /** INVITE to 200 OK, ms (default 2400). */
  ringMs?: number;
}

export interface RtpStreamSummary {
  party: Party;
  ssrc: number;
  src: string;
  srcPort: number;
  dst: string;
  dstPort: number;
  payloadType: number;
  audioPackets: number;
  eventPackets: number;
  firstSequence: number;
  firstTimestamp: number;
}

export interface SipCallCapture {
  frames: WrittenFrame[];
  callId: string;
  /** Time of the 200 OK + 20 ms: sample 0 of the rendered call is in the first RTP packet sent then. */
  mediaStartMs: number;
  streams: Record<Party, RtpStreamSummary>;
  /** The SIP messages in order, as "INVITE", "100", "180", "200", "ACK", "BYE", "200". */
  dialog: string[];
}

interface Endpoint {
  party: Party;
  ip: string;
  rtpPort: number;
  number: string;
  name: string | undefined;
}

interface Stamped {
  timeMs: number;
  data: Buffer;
}

const DEFAULT_START = Date.parse('2026-01-15T15:00:00Z');

export function buildSipCall(
  script: CallScript,
  call: RenderedCall,
  options: SipCallOptions = {},
): SipCallCapture {
  const random = seededRandom((script.seed * 7919) ^ 0x51ca11);
  const hex = (n: number) => Array.from({ length: n }, () => Math.floor(random() * 16).toString(16)).join('');
  const meta = script.metadata;
  const outbound = meta?.direction !== 'inbound';
  const agentNumber =
    script.agent.number ?? (outbound ? meta?.callerNumber : meta?.calleeNumber) ?? '+576015550101';
  const customerNumber =
    script.customer.number ?? (outbound ? meta?.calleeNumber : meta?.callerNumber) ?? '+573001234567';
  const agent: Endpoint = {
    party: 'agent',
    ip: script.agent.ip ?? '10.20.0.10',
    rtpPort: 16384,
    number: normalizeNumber(agentNumber),
    name: script.agent.name ?? meta?.agentName,
  };
  const customer: Endpoint = {
    party: 'customer',
    ip: script.customer.ip ?? '10.30.0.20',
    rtpPort: 30000,
    number: normalizeNumber(customerNumber),
    name: script.customer.name,
  };
  const caller = outbound ? agent : customer;
  const callee = outbound ? customer : agent;
  const ringMs = options.ringMs ?? 2400;
  const inviteAt =
    options.startTime?.getTime() ?? (meta?.startedAt ? meta.startedAt.getTime() - ringMs : DEFAULT_START);
  const callId = meta?.sipCallId ?? `${hex(16)}@${caller.ip}`;
  const payloadType = script.codec === 'PCMU' ? 0 : 8;

  const frames: Stamped[] = [];
  const dialog: string[] = [];
  let ipId = Math.floor(random() * 0xffff);
  const send = (
    timeMs: number,
    from: Endpoint,
    to: Endpoint,
    fromPort: number,
    toPort: number,
    data: Buffer,
  ) => {
    ipId = (ipId + 1) & 0xffff;
    frames.push({
      timeMs,
      data: udpFrame(from.ip, to.ip, fromPort, toPort, data, { realMacs: true, id: ipId }),
    });
  };
  const sendSip = (timeMs: number, from: Endpoint, to: Endpoint, message: SipRequest | SipResponse) => {
    dialog.push(message.kind === 'request' ? message.method : String(message.status));
    send(timeMs, from, to, SIP_PORT, SIP_PORT, serializeSipMessage(message));
  };

  // ---- SIP dialog up to the answer
  const nameAddr = (e: Endpoint) =>
    `${e.name ? `"${e.name.replace(/["\\]/g, '')}" ` : ''}<sip:${e.number}@${e.ip}>`;
  const callerTag = hex(10);
  const calleeTag = hex(10);
  const sdp = (e: Endpoint, sessionId: number) =>
    [
      'v=0',
      `o=escucha ${sessionId} ${sessionId} IN IP4 ${e.ip}`,
      's=Escucha synthetic call',
      `c=IN IP4 ${e.ip}`,
      't=0 0',
      `m=audio ${e.rtpPort} RTP/AVP ${payloadType} ${TELEPHONE_EVENT_PT}`,
      `a=rtpmap:${payloadType} ${script.codec}/8000`,
      `a=rtpmap:${TELEPHONE_EVENT_PT} telephone-event/8000`,
      `a=fmtp:${TELEPHONE_EVENT_PT} 0-16`,
      'a=ptime:20',
      'a=sendrecv',
      '',
    ].join('\r\n');
  const request = (
    method: string,
    from: Endpoint,
    to: Endpoint,
    headers: [string, string][],
    body = '',
  ): SipRequest => ({
    kind: 'request',
    method,
    uri: `sip:${to.number}@${to.ip}:${SIP_PORT}`,
    version: SIP_VERSION,
    headers: new SipHeaders([
      ['Via', `SIP/2.0/UDP ${from.ip}:${SIP_PORT};branch=z9hG4bK${hex(12)}`],
      ['Max-Forwards', '70'],
      ...headers,
      ['User-Agent', 'Escucha synthetic call'],
      ...(body ? ([['Content-Type', 'application/sdp']] as [string, string][]) : []),
    ]),
    body: Buffer.from(body),
  });
  const fromCaller = `${nameAddr(caller)};tag=${callerTag}`;
  const toCallee = nameAddr(callee);
  const invite = request(
    'INVITE',
    caller,
    callee,
    [
      ['From', fromCaller],
      ['To', toCallee],
      ['Call-ID', callId],
      ['CSeq', '1 INVITE'],
      ['Contact', `<sip:${caller.number}@${caller.ip}:${SIP_PORT}>`],
      ['Allow', 'INVITE, ACK, BYE, CANCEL, OPTIONS'],
    ],
    sdp(caller, 1000 + Math.floor(random() * 9000)),
  );
  sendSip(inviteAt, caller, callee, invite);
  sendSip(inviteAt + 6, callee, caller, buildResponse(invite, 100, 'Trying'));
  sendSip(inviteAt + 180, callee, caller, buildResponse(invite, 180, 'Ringing', { toTag: calleeTag }));
  const answerAt = inviteAt + ringMs;
  sendSip(
    answerAt,
    callee,
    caller,
    buildResponse(invite, 200, 'OK', {
      toTag: calleeTag,
      headers: [
        ['Contact', `<sip:${callee.number}@${callee.ip}:${SIP_PORT}>`],
        ['Content-Type', 'application/sdp'],
      ],
      body: sdp(callee, 2000 + Math.floor(random() * 9000)),
    }),
  );
  const toCalleeTagged = `${toCallee};tag=${calleeTag}`;
  sendSip(
    answerAt + 12,
    caller,
    callee,
    request('ACK', caller, callee, [
      ['From', fromCaller],
      ['To', toCalleeTagged],
      ['Call-ID', callId],
      ['CSeq', '1 ACK'],
    ]),
  );

  // ---- RTP both ways
  const mediaStartMs = answerAt + PACKET_MS;
  const packets = Math.ceil(call.durationMs / PACKET_MS);
  const streams = {} as Record<Party, RtpStreamSummary>;
  for (const [from, to] of [
    [agent, customer],
    [customer, agent],
  ] as const) {
    const channel = from.party === 'agent' ? 0 : 1;
    const summary = rtpStream(call, channel, from, to, payloadType, packets, mediaStartMs, random, send);
    streams[from.party] = summary;
  }

  // ---- the agent hangs up
  const byeAt = mediaStartMs + packets * PACKET_MS + 40;
  const agentIsCaller = caller === agent;
  const bye = request('BYE', agent, customer, [
    ['From', agentIsCaller ? fromCaller : toCalleeTagged],
    ['To', agentIsCaller ? toCalleeTagged : fromCaller],
    ['Call-ID', callId],
    ['CSeq', agentIsCaller ? '2 BYE' : '1 BYE'],
  ]);
  sendSip(byeAt, agent, customer, bye);
  sendSip(byeAt + 9, customer, agent, buildResponse(bye, 200, 'OK'));

  frames.sort((a, b) => a.timeMs - b.timeMs);
  return {
    frames: frames.map((f) => frameAt(f.timeMs, f.data)),
    callId,
    mediaStartMs,
    streams,
    dialog,
  };
}

/** One direction: audio every 20 ms (muted during key presses) and the telephone-event packets of its keys. */
function rtpStream(
  call: RenderedCall,
  channel: 0 | 1,
  from: Endpoint,
  to: Endpoint,
  payloadType: number,
  packets: number,
  mediaStartMs: number,
  random: () => number,
  send: (
    timeMs: number,
    from: Endpoint,
    to: Endpoint,
    fromPort: number,
    toPort: number,
    data: Buffer,
  ) => void,
): RtpStreamSummary {
  const source = call.channels[channel];
  const narrow = resample(source, call.sampleRate, RTP_RATE);
  const marks = call.dtmf.filter((d) => d.channel === channel);
  // The gateway takes the tone out of the audio it relays as events.
  for (const m of marks) {
    const start = Math.floor((m.startMs * RTP_RATE) / 1000);
    const end = Math.min(
      narrow.length,
      Math.ceil(((m.startMs + m.durationMs + PACKET_MS) * RTP_RATE) / 1000),
    );
    narrow.fill(0, start, end);
  }
  const linear = new Int16Array(packets * SAMPLES_PER_PACKET);
  for (let i = 0; i < linear.length; i++) {
    linear[i] = Math.max(-32768, Math.min(32767, Math.round((narrow[i] ?? 0) * 32767)));
  }
  const law = payloadType === 0 ? 'PCMU' : 'PCMA';
  const audio = encodeG711(linear, law);

  const ssrc = Math.floor(random() * 0xffffffff) >>> 0;
  const firstSequence = Math.floor(random() * 0x8000);
  const firstTimestamp = Math.floor(random() * 0x7fffffff) >>> 0;
  // The customer's packets leave a fraction of a millisecond apart from the agent's.
  const skew = channel === 0 ? 0 : 0.37;

  type Outgoing = { timeMs: number; order: number; build: (sequence: number) => Buffer; event: boolean };
  const outgoing: Outgoing[] = [];
  for (let k = 0; k < packets; k++) {
    const payload = audio.subarray(k * SAMPLES_PER_PACKET, (k + 1) * SAMPLES_PER_PACKET);
    outgoing.push({
      timeMs: mediaStartMs + k * PACKET_MS + skew,
      order: 0,
      event: false,
      build: (sequence) =>
        encodeRtp({
          payloadType,
          sequence,
          timestamp: (firstTimestamp + k * SAMPLES_PER_PACKET) >>> 0,
          ssrc,
          marker: k === 0,
          payload,
        }),
    });
  }
  for (const m of marks) {
    const k0 = Math.round(m.startMs / PACKET_MS);
    const steps = Math.max(1, Math.round(m.durationMs / PACKET_MS));
    const timestamp = (firstTimestamp + k0 * SAMPLES_PER_PACKET) >>> 0;
    const code = dtmfEventCode(m.digit);
    const at = (i: number) => mediaStartMs + (k0 + i) * PACKET_MS + skew;
    for (let i = 1; i <= steps + 2; i++) {
      const end = i >= steps;
      const duration = Math.min(i, steps) * SAMPLES_PER_PACKET;
      outgoing.push({
        timeMs: at(i),
        order: 1,
        event: true,
        build: (sequence) =>
          encodeRtp({
            payloadType: TELEPHONE_EVENT_PT,
            sequence,
            timestamp,
            ssrc,
            marker: i === 1,
            payload: encodeTelephoneEvent({ event: code, end, volume: 10, duration }),
          }),
      });
    }
  }
  outgoing.sort((a, b) => a.timeMs - b.timeMs || a.order - b.order);
  let sequence = firstSequence;
  for (const o of outgoing) {
    send(o.timeMs, from, to, from.rtpPort, to.rtpPort, o.build(sequence & 0xffff));
    sequence++;
  }
  return {
    party: from.party,
    ssrc,
    src: from.ip,
    srcPort: from.rtpPort,
    dst: to.ip,
    dstPort: to.rtpPort,
    payloadType,
    audioPackets: packets,
    eventPackets: outgoing.filter((o) => o.event).length,
    firstSequence,
    firstTimestamp,
  };
}
