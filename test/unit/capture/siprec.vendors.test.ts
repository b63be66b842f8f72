import { describe, expect, it } from 'vitest';
import {
  agentSideOf,
  buildCallMetadata,
  channelOf,
  DEFAULT_AGENT_PATTERN,
  DEFAULT_HEADER_MAP,
  parseHeaderMap,
  siprecFactsOf,
  siprecStreamSide,
  type MetadataRules,
  type SipFacts,
} from '../../../services/capture/call.metadata.ts';
import { siprecBodies } from '../../../services/capture/sip/multipart.ts';
import { buildSdpAnswer } from '../../../services/capture/sip/sdp.answer.ts';
import { parseSdp } from '../../../services/capture/sip/sdp.ts';
import {
  parseRecordingMetadata,
  type RecordingMetadata,
} from '../../../services/capture/sip/siprec.metadata.ts';
import { EXPECTED, VENDOR_FIXTURES, vendorBody, type VendorFixture } from '../../support/siprec-vendors.ts';

/**
 * The real vendor captures of test/fixtures/capture/siprec/vendors (README there): each one's metadata read with
 * the values the file holds, its SDP answered with one recvonly stream per offered stream, and its parties mapped
 * to agent and customer.
 */

const RULES: MetadataRules = {
  agentHeader: 'X-Agent-Id',
  headerMap: parseHeaderMap(DEFAULT_HEADER_MAP),
  agentPattern: new RegExp(DEFAULT_AGENT_PATTERN, 'i'),
  defaultAgent: 'caller',
};

const SRC_SIP: SipFacts = {
  callId: 'vendor-call',
  requestUri: 'sip:srs@127.0.0.1',
  from: { uri: 'sip:src@127.0.0.1', name: null, user: 'src', number: null },
  to: { uri: 'sip:srs@127.0.0.1', name: null, user: 'srs', number: null },
  headers: {},
};

function read(name: VendorFixture): { metadata: RecordingMetadata; sdp: Buffer } {
  const { contentType, body } = vendorBody(name);
  const bodies = siprecBodies(contentType, body);
  if (!bodies.sdp || !bodies.metadata) throw new Error(`${name}: SDP or metadata part missing`);
  return { metadata: parseRecordingMetadata(bodies.metadata), sdp: bodies.sdp };
}

describe('real vendor SIPREC captures', () => {
  it.each(VENDOR_FIXTURES)('%s: metadata read with the values the capture holds', (name) => {
    const want = EXPECTED[name];
    const { metadata } = read(name);
    expect(metadata.dataMode).toBe(want.dataMode);
    expect(metadata.sessionId).toBe(want.sessionId);
    const labelOf = new Map(metadata.streams.map((s) => [s.id, s.label]));
    expect(
      metadata.participants.map((p) => ({
        aor: p.aor,
        name: p.name,
        number: p.number,
        sendsLabels: p.sends.map((id) => labelOf.get(id)),
        extensions: { ...p.extensions },
      })),
    ).toEqual(want.participants.map((p) => ({ extensions: {}, ...p })));
    expect({ ...metadata.extensions }).toEqual(want.extensions);
    // None of the captures carries call-centre data under a name Escucha recognises.
    expect([metadata.agentId, metadata.campaign, metadata.account]).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
  });

  it.each(VENDOR_FIXTURES)(
    '%s: answered with one recvonly stream per offered stream, labels kept',
    (name) => {
      const want = EXPECTED[name];
      const offer = parseSdp(read(name).sdp);
      const answer = buildSdpAnswer(offer, {
        address: '192.0.2.10',
        allocatePort: ({ index }) => 40000 + index * 2,
      });
      expect(
        answer.streams.map((s) => ({ label: s.label, codec: s.codec?.encoding, direction: s.direction })),
      ).toEqual(want.streams.map((s) => ({ label: s.label, codec: s.codec, direction: 'recvonly' })));
      const answered = parseSdp(answer.sdp);
      expect(answered.media.map((m) => [m.port, m.direction, m.label])).toEqual(
        want.streams.map((s, i) => [40000 + i * 2, 'recvonly', s.label]),
      );
    },
  );

  it.each(VENDOR_FIXTURES)('%s: parties mapped to caller, callee, agent and customer', (name) => {
    const want = EXPECTED[name];
    const facts = siprecFactsOf(read(name).metadata);
    const call = buildCallMetadata(
      { sip: SRC_SIP, siprec: facts, startedAt: new Date(0), endedAt: new Date(3000), custom: {} },
      RULES,
    );
    expect(call.callerNumber).toBe(want.caller.number);
    expect(call.calleeNumber).toBe(want.callee.number);
    expect(call.direction).toBe(want.agent === 'caller' ? 'outbound' : 'inbound');
    const agent = want.agent === 'caller' ? want.caller : want.callee;
    const customer = want.agent === 'caller' ? want.callee : want.caller;
    expect(call.participants).toEqual([
      { role: 'agent', channel: 0, ...defined(agent) },
      { role: 'customer', channel: 1, ...defined(customer) },
    ]);
    // Each stream on the channel of the party that sends it (m-line order when the metadata does not say).
    const agentSide = agentSideOf(SRC_SIP, facts, RULES);
    expect(
      Object.fromEntries(
        want.streams.map((st, i) => [st.label, channelOf(siprecStreamSide(facts, st.label, i), agentSide)]),
      ),
    ).toEqual(want.channels);
    // Vendor extension data is kept: the document's own under its key, a participant's under its side.
    for (const [key, value] of Object.entries(want.extensions))
      expect(call.custom?.[key.replace(/\W+/g, '_')]).toBe(value);
    const callerParty = want.participants.find((p) => p.number === want.caller.number);
    for (const [key, value] of Object.entries(callerParty?.extensions ?? {}))
      expect(call.custom?.[`caller_${key.replace(/\W+/g, '_')}`]).toBe(value);
  });
});

function defined(p: { number: string | undefined; name: string | undefined }): Record<string, string> {
  const out: Record<string, string> = {};
  if (p.name !== undefined) out.name = p.name;
  if (p.number !== undefined) out.number = p.number;
  return out;
}
