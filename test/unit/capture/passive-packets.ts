import {
  DEFAULT_HEADER_MAP,
  parseHeaderMap,
  type MetadataRules,
} from '../../../services/capture/call.metadata.ts';
import type { NetPacket } from '../../../services/capture/passive/packet.correlator.ts';

/** SIP and RTP packets as passive capture sees them, for the tests that feed a PacketCorrelator by hand. */

export const RULES: MetadataRules = {
  agentHeader: 'X-Agent-Id',
  headerMap: parseHeaderMap(DEFAULT_HEADER_MAP),
  agentPattern: /^[0-9]{3,5}$/,
  defaultAgent: 'caller',
};

/** A SIP message from its start line and headers (Content-Length added). */
export function sip(lines: string[], body = ''): Buffer {
  return Buffer.from([...lines, `Content-Length: ${Buffer.byteLength(body)}`, '', body].join('\r\n'));
}

/** An SDP offering G.711 µ-law audio at `ip:port`. */
export function sdp(ip: string, port: number): string {
  return [
    'v=0',
    `o=- 1 1 IN IP4 ${ip}`,
    's=-',
    `c=IN IP4 ${ip}`,
    't=0 0',
    `m=audio ${port} RTP/AVP 0`,
    '',
  ].join('\r\n');
}

export function udp(
  timeMs: number,
  src: string,
  srcPort: number,
  dst: string,
  dstPort: number,
  payload: Buffer,
): NetPacket {
  return { timeMs, src, srcPort, dst, dstPort, transport: 'udp', payload };
}
