import { describe, expect, it } from 'vitest';
import {
  buildCallMetadata,
  DEFAULT_AGENT_PATTERN,
  DEFAULT_HEADER_MAP,
  parseHeaderMap,
  siprecFactsOf,
  type MetadataRules,
  type SipFacts,
} from '../../../services/capture/call.metadata.ts';
import { siprecBodies } from '../../../services/capture/multipart.ts';
import { buildSdpAnswer } from '../../../services/capture/sdp.answer.ts';
import { parseSdp } from '../../../services/capture/sdp.ts';
import { parseRecordingMetadata, type RecordingMetadata } from '../../../services/capture/siprec.metadata.ts';
import { VENDOR_FIXTURES, vendorBody, type VendorFixture } from '../../support/siprec-vendors.ts';

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

interface Party {
  aor: string | undefined;
  name: string | undefined;
  number: string | undefined;
  /** Labels of the SDP streams this participant sends. */
  sendsLabels: string[];
  extensions?: Record<string, string>;
}

export interface VendorExpectation {
  dataMode: 'complete' | 'partial' | undefined;
  sessionId: string | undefined;
  /** SDP labels, in m-line order, and the codec Escucha answers each with. */
  streams: Array<{ label: string; codec: string }>;
  participants: Party[];
  extensions: Record<string, string>;
  /** Who is who in the archived call (caller first unless the metadata marks the calling party). */
  caller: { number: string | undefined; name: string | undefined };
  callee: { number: string | undefined; name: string | undefined };
  agent: 'caller' | 'callee';
}

export const EXPECTED: Record<VendorFixture, VendorExpectation> = {
  'acme-siprec-offer.txt': {
    dataMode: 'complete',
    sessionId: 'AavRXwIIQj1Q39eJulTipQ==',
    streams: [
      { label: '16777227', codec: 'PCMU' },
      { label: '16777228', codec: 'PCMU' },
    ],
    participants: [
      {
        aor: 'sip:9000@192.168.50.102',
        name: '9000',
        number: '9000',
        sendsLabels: ['16777227'],
        extensions: { callingParty: 'true' },
      },
      {
        aor: 'sip:1002@192.168.50.10',
        name: '1002',
        number: '1002',
        sendsLabels: ['16777228'],
        extensions: { callingParty: 'false' },
      },
    ],
    extensions: {},
    caller: { number: '9000', name: '9000' },
    callee: { number: '1002', name: '1002' },
    // Both are short extensions (the agent pattern matches both): the default, the caller.
    agent: 'caller',
  },
  'avaya-siprec-offer.txt': {
    dataMode: 'complete',
    sessionId: '0rBXFi0CTBB0j8HyGBBrlg==',
    streams: [
      { label: '201835599', codec: 'PCMA' },
      { label: '201835600', codec: 'PCMA' },
    ],
    participants: [
      {
        aor: 'sip:31624895902@10.10.128.62',
        name: '31624895902',
        number: '31624895902',
        sendsLabels: ['201835599'],
        extensions: {
          callingParty: 'true',
          'request-uri': 'sip:33187164021@10.77.91.46:5060',
          realm: 'Avaya-GR-REC',
          'Call-ID': '134485702_44821128@10.10.128.62',
        },
      },
      {
        aor: 'sip:33187164021@sip.webhelpgroupe.lan',
        name: '33187164021',
        number: '33187164021',
        sendsLabels: ['201835600'],
        extensions: { callingParty: 'false' },
      },
    ],
    extensions: { ucid: '00FA081003B9CF5E7DF7E5;encoding=hex', callerOrig: 'true' },
    caller: { number: '31624895902', name: '31624895902' },
    callee: { number: '33187164021', name: '33187164021' },
    agent: 'caller',
  },
  'broadworks-offer.txt': {
    // The capture lost its XML tags upstream: a <recording_metadata> root with text only, so nothing to read.
    dataMode: undefined,
    sessionId: undefined,
    streams: [{ label: '1', codec: 'PCMA' }],
    participants: [],
    extensions: {},
    caller: { number: undefined, name: undefined },
    callee: { number: undefined, name: undefined },
    agent: 'caller',
  },
  'broadworks-offer-2.txt': {
    dataMode: 'complete',
    sessionId: '00FA0800705D4C5DCAAC41',
    streams: [
      { label: '10', codec: 'PCMA' },
      { label: '20', codec: 'PCMA' },
    ],
    participants: [
      { aor: 'sip:9878942259@212.188.68.145', name: undefined, number: '9878942259', sendsLabels: ['10'] },
      { aor: 'sip:ASBCE@asbce.com', name: undefined, number: undefined, sendsLabels: ['20'] },
    ],
    extensions: {},
    caller: { number: '9878942259', name: undefined },
    callee: { number: undefined, name: undefined },
    agent: 'caller',
  },
  'cisco-siprec-offer.txt': {
    dataMode: 'complete',
    sessionId: 'kQNhKFdEEeeJ9tD/VsPGWA==',
    streams: [
      { label: '1', codec: 'PCMU' },
      { label: '2', codec: 'PCMU' },
    ],
    participants: [
      { aor: 'sip:7301@35.162.237.204', name: undefined, number: '7301', sendsLabels: ['1'] },
      { aor: 'sip:7300@35.162.237.204', name: '7300', number: '7300', sendsLabels: ['2'] },
    ],
    extensions: {},
    caller: { number: '7301', name: undefined },
    callee: { number: '7300', name: '7300' },
    agent: 'caller',
  },
  'connectel-offer.txt': connectel('test_user;lang=en-US;id=22'),
  'connectel-offer2.txt': connectel('test_user;lang=en-US'),
  'connectel-offer3.txt': connectel('test_user'),
  'intrado-siprec-invite.txt': {
    dataMode: 'complete',
    sessionId: 'ZGI2NDQ1MzItODBmOC00ZDBhLTlhMDMtNjg2',
    streams: [{ label: '1', codec: 'PCMU' }],
    participants: [
      {
        aor: '4058327108@10.105.190.136:5060',
        name: undefined,
        number: '4058327108',
        sendsLabels: ['1'],
        extensions: { channel: 'SIP/911202-073e', role: 'calling' },
      },
    ],
    extensions: {},
    // One participant (a mixed stream): the caller; the other party is not named (From is the recorder's
    // "NOCALLERID", To the recording server).
    caller: { number: '4058327108', name: undefined },
    callee: { number: undefined, name: undefined },
    agent: 'caller',
  },
  'procomm-siprec-offer.txt': {
    dataMode: 'complete',
    sessionId: 'ho9aUhEQTRS+31th7sHStA==',
    streams: [
      { label: 'a_leg', codec: 'PCMA' },
      { label: 'b_leg', codec: 'PCMA' },
    ],
    participants: [
      { aor: 'sip:016190200@87.252.209.116', name: '016190200', number: '016190200', sendsLabels: ['a_leg'] },
      {
        aor: 'Extension-016190619@speechpath.ie',
        name: 'Speechpath-Main-Line 016190619',
        number: undefined,
        sendsLabels: ['b_leg'],
      },
    ],
    extensions: {},
    caller: { number: '016190200', name: '016190200' },
    callee: { number: undefined, name: 'Speechpath-Main-Line 016190619' },
    agent: 'caller',
  },
  'sonus-siprec-offer.txt': {
    dataMode: 'complete',
    sessionId: 'MTQ3YzA3YzEtNjdkNy0xMA==',
    streams: [
      { label: '1', codec: 'PCMU' },
      { label: '2', codec: 'PCMU' },
    ],
    participants: [
      // The first participant sends the stream labelled 2.
      { aor: '2249888500@172.16.198.55', name: 'Extension 8500', number: '2249888500', sendsLabels: ['2'] },
      { aor: '2249888012@172.16.195.72', name: undefined, number: '2249888012', sendsLabels: ['1'] },
    ],
    extensions: {
      'callData.fromhdr': '"Extension 8500" <sip:2249888500@172.16.198.55>;tag=SerryvK5ej0jc',
      'callData.tohdr': '<sip:2249888012@172.16.195.72>;tag=gK00801b2d',
      'callData.callid': '2da553f7-a48b-1235-d6a2-5254003a4988',
      'callData.gcid': '241205267',
    },
    caller: { number: '2249888500', name: 'Extension 8500' },
    callee: { number: '2249888012', name: undefined },
    agent: 'caller',
  },
};

function connectel(name: string): VendorExpectation {
  return {
    dataMode: 'complete',
    sessionId: '2+hKdGY+QvCKu8HYTdBouQ==',
    streams: [
      { label: '1', codec: 'PCMU' },
      { label: '2', codec: 'PCMA' },
    ],
    // No participant-stream association at all: streams fall back to m-line order.
    participants: [
      { aor: 'sip:0771121212@52.57.92.239', name, number: '0771121212', sendsLabels: [] },
      {
        aor: 'sip:0760516936@sip-cust1.connectel.io',
        name: undefined,
        number: '0760516936',
        sendsLabels: [],
      },
    ],
    extensions: {},
    caller: { number: '0771121212', name },
    callee: { number: '0760516936', name: undefined },
    agent: 'caller',
  };
}

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
