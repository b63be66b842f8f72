import { createReadStream } from 'node:fs';
import { PacketDecoder, decodedPackets } from '../../../services/capture/passive/packet.decode.ts';
import { CaptureReader } from '../../../services/capture/passive/pcap.ts';
import { DtmfDetector, type DtmfEvent } from '../../../services/capture/rtp/rfc4733.ts';
import { parseRtp, type RtpPacket } from '../../../services/capture/rtp/rtp.ts';
import { parseSdp, telephoneEventOf, type SdpSession } from '../../../services/capture/sip/sdp.ts';
import {
  callIdOf,
  cseqOf,
  parseSipMessage,
  type SipMessage,
} from '../../../services/capture/sip/sip.message.ts';

/** A SIP+RTP capture as Escucha's capture layer reads it (CaptureReader → PacketDecoder → SIP/SDP/RTP/RFC 4733). */
export interface CaptureReadback {
  format: string | undefined;
  frames: number;
  sip: { timeMs: number; src: string; dst: string; message: SipMessage; label: string; sdp?: SdpSession }[];
  /** RTP per "src:port>dst:port". */
  rtp: Map<string, { timeMs: number; packet: RtpPacket }[]>;
  dtmf: Map<string, DtmfEvent[]>;
}

export async function readCapture(input: Buffer | string): Promise<CaptureReadback> {
  const source =
    typeof input === 'string'
      ? createReadStream(input)
      : (async function* () {
          yield input;
        })();
  const reader = new CaptureReader(source);
  const decoder = new PacketDecoder();
  const out: CaptureReadback = { format: undefined, frames: 0, sip: [], rtp: new Map(), dtmf: new Map() };
  const detectors = new Map<string, DtmfDetector>();
  const eventTypes = new Set<number>();
  for await (const { packet } of decodedPackets(reader, decoder)) {
    if (packet.transport !== 'udp') continue;
    if (packet.srcPort === 5060 || packet.dstPort === 5060) {
      const message = parseSipMessage(packet.payload);
      const label = message.kind === 'request' ? message.method : String(message.status);
      const body = message.body.length > 0 ? parseSdp(message.body) : undefined;
      for (const m of body?.media ?? []) {
        const te = telephoneEventOf(m);
        if (te) eventTypes.add(te.payloadType);
      }
      out.sip.push({
        timeMs: packet.timeMs,
        src: packet.src,
        dst: packet.dst,
        message,
        label,
        ...(body ? { sdp: body } : {}),
      });
      continue;
    }
    const parsed = parseRtp(packet.payload);
    if (!parsed.ok) continue;
    const key = `${packet.src}:${packet.srcPort}>${packet.dst}:${packet.dstPort}`;
    const list = out.rtp.get(key) ?? [];
    list.push({ timeMs: packet.timeMs, packet: parsed.value });
    out.rtp.set(key, list);
    if (eventTypes.has(parsed.value.payloadType)) {
      const detector = detectors.get(key) ?? new DtmfDetector();
      detectors.set(key, detector);
      const events = detector.push({
        ssrc: parsed.value.ssrc,
        timestamp: parsed.value.timestamp,
        payload: parsed.value.payload,
      });
      if (events.length > 0) out.dtmf.set(key, [...(out.dtmf.get(key) ?? []), ...events]);
    }
  }
  out.format = reader.format;
  out.frames = reader.framesRead;
  return out;
}

export { callIdOf, cseqOf };
