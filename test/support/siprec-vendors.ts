import { readFileSync } from 'node:fs';

/**
 * The real vendor SIPREC captures of `test/fixtures/capture/siprec/vendors/` (see the README there), turned into
 * what an SBC would put on the wire: CRLF line ends (the files have LF, as committed in their source), a
 * Content-Length that matches, and for the body-only captures an INVITE built around the body.
 */

export const VENDOR_FIXTURES = [
  'acme-siprec-offer.txt',
  'avaya-siprec-offer.txt',
  'broadworks-offer.txt',
  'broadworks-offer-2.txt',
  'cisco-siprec-offer.txt',
  'connectel-offer.txt',
  'connectel-offer2.txt',
  'connectel-offer3.txt',
  'intrado-siprec-invite.txt',
  'procomm-siprec-offer.txt',
  'sonus-siprec-offer.txt',
] as const;
export type VendorFixture = (typeof VENDOR_FIXTURES)[number];

export function vendorFile(name: VendorFixture): Buffer {
  return readFileSync(new URL(`../fixtures/capture/siprec/vendors/${name}`, import.meta.url));
}

const crlf = (text: string): string => text.replace(/\r?\n/g, '\r\n');

export interface VendorBody {
  contentType: string;
  /** The body with CRLF line ends. */
  body: Buffer;
  /** The capture's own request line and headers (without Content-Length), when it is a whole INVITE. */
  head: string[] | undefined;
}

/** The multipart body of a capture and its Content-Type (the capture's own, or from the boundary it uses). */
export function vendorBody(name: VendorFixture): VendorBody {
  const text = vendorFile(name).toString('latin1');
  if (/^[A-Z]+ \S+ SIP\/2\.0\r?\n/.test(text)) {
    const split = /\r?\n\r?\n/.exec(text);
    if (!split) throw new Error(`${name}: no end of headers`);
    const head = text.slice(0, split.index).split(/\r?\n/);
    const contentType = head.find((h) => /^content-type:/i.test(h))?.replace(/^content-type:\s*/i, '');
    if (!contentType) throw new Error(`${name}: no Content-Type`);
    return {
      contentType,
      body: Buffer.from(crlf(text.slice(split.index + split[0].length)), 'latin1'),
      head: head.filter((h) => !/^content-length:/i.test(h)),
    };
  }
  const boundary = /^--(\S+?)\s*$/m.exec(text)?.[1];
  if (!boundary) throw new Error(`${name}: no multipart boundary`);
  return {
    contentType: `multipart/mixed;boundary=${boundary}`,
    body: Buffer.from(crlf(text), 'latin1'),
    head: undefined,
  };
}

export interface VendorInviteOptions {
  port: number;
  clientPort: number;
  transport: 'UDP' | 'TCP';
  /** Call-ID of a built INVITE (a whole captured INVITE keeps its own). */
  callId: string;
}

/** The INVITE an SBC would send with this capture, its Call-ID and From tag. */
export function vendorInvite(
  name: VendorFixture,
  o: VendorInviteOptions,
): { message: Buffer; callId: string; fromTag: string } {
  const { contentType, body, head } = vendorBody(name);
  let lines: string[];
  if (head) {
    lines = head;
  } else {
    lines = [
      `INVITE sip:srs@127.0.0.1:${o.port} SIP/2.0`,
      `Via: SIP/2.0/${o.transport} 127.0.0.1:${o.clientPort};branch=z9hG4bK${Math.random().toString(36).slice(2)};rport`,
      'From: <sip:src@127.0.0.1>;tag=src-vendor',
      'To: <sip:srs@127.0.0.1>',
      `Call-ID: ${o.callId}`,
      'CSeq: 1 INVITE',
      'Max-Forwards: 70',
      `Contact: <sip:src@127.0.0.1:${o.clientPort}>;+sip.src`,
      'Require: siprec',
      'Supported: siprec',
      `Content-Type: ${contentType}`,
    ];
  }
  const callId = lines.find((h) => /^call-id:/i.test(h))?.replace(/^call-id:\s*/i, '') ?? o.callId;
  const fromTag = /;tag=([^;\s]+)/.exec(lines.find((h) => /^from:/i.test(h)) ?? '')?.[1] ?? '';
  const message = Buffer.concat([
    Buffer.from(`${lines.join('\r\n')}\r\nContent-Length: ${body.length}\r\n\r\n`, 'latin1'),
    body,
  ]);
  return { message, callId, fromTag };
}

/** What each capture holds, as the tests assert it (values read from the files). */
export interface VendorParty {
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
  participants: VendorParty[];
  extensions: Record<string, string>;
  /** Who is who in the archived call (caller first unless the metadata marks the calling party). */
  caller: { number: string | undefined; name: string | undefined };
  callee: { number: string | undefined; name: string | undefined };
  agent: 'caller' | 'callee';
  /** Recording channel of each stream, by label: the agent's voice left (0), the customer's right (1). */
  channels: Record<string, number>;
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
    channels: { '16777227': 0, '16777228': 1 },
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
    channels: { '201835599': 0, '201835600': 1 },
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
    channels: { '1': 0 },
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
    channels: { '10': 0, '20': 1 },
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
    channels: { '1': 0, '2': 1 },
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
    channels: { '1': 0 },
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
    channels: { a_leg: 0, b_leg: 1 },
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
    channels: { '2': 0, '1': 1 },
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
    channels: { '1': 0, '2': 1 },
  };
}
