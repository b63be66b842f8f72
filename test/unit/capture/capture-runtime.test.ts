import { describe, expect, it } from 'vitest';
import {
  agentSideOf,
  buildCallMetadata,
  customKey,
  DEFAULT_AGENT_PATTERN,
  DEFAULT_HEADER_MAP,
  parseHeaderMap,
  siprecStreamSide,
  type MetadataRules,
  type SipFacts,
  type SiprecFacts,
} from '../../../services/capture/call.metadata.ts';
import {
  OggOpusWriter,
  opusPacketSamples,
  deferredSamples,
} from '../../../services/capture/rtp/codec.deferred.ts';
import { IpAllowList } from '../../../services/capture/ip-allow.ts';
import { parsePortRange } from '../../../services/capture/rtp/rtp.ports.ts';
import { badRequestFor } from '../../../services/capture/sip/sip.server.ts';
import { SipTcpReassembler } from '../../../services/capture/passive/tcp.reassembly.ts';
import { codeOf } from './capture-test-helpers.ts';

const rules = (over: Partial<MetadataRules> = {}): MetadataRules => ({
  agentHeader: 'X-Agent-Id',
  headerMap: parseHeaderMap(DEFAULT_HEADER_MAP),
  agentPattern: new RegExp(DEFAULT_AGENT_PATTERN, 'i'),
  defaultAgent: 'caller',
  ...over,
});

const party = (user: string | null, number: string | null = null, name: string | null = null) => ({
  uri: user ? `sip:${user}@x` : null,
  name,
  user,
  number,
});

const facts = (
  from: ReturnType<typeof party>,
  to: ReturnType<typeof party>,
  headers: Record<string, string> = {},
): SipFacts => ({
  callId: 'id-1',
  requestUri: 'sip:x',
  from,
  to,
  headers,
});

describe(agentSideOf.name, () => {
  it('takes the party named by the agent header first', () => {
    const sip = facts(party('+573001112233', '+573001112233'), party('4711', '4711'), {
      'x-agent-id': '+573001112233',
    });
    expect(agentSideOf(sip, null, rules())).toBe('caller');
  });

  it('uses SIPREC role data, then the agent pattern, then the default side', () => {
    const siprec: SiprecFacts = {
      sessionId: null,
      participants: [
        { ...party('alice'), id: 'a', sends: ['s1'], extensions: { role: 'customer' } },
        { ...party('bob'), id: 'b', sends: ['s2'], extensions: {} },
      ],
      streams: [],
      extensions: {},
      agentId: null,
      campaign: null,
      account: null,
    };
    expect(agentSideOf(facts(party('x'), party('y')), siprec, rules())).toBe('callee');
    expect(agentSideOf(facts(party('+34600111222', '+34600111222'), party('agente9')), null, rules())).toBe(
      'callee',
    );
    expect(
      agentSideOf(facts(party('1005', '1005'), party('+34600111222', '+34600111222')), null, rules()),
    ).toBe('caller');
    expect(agentSideOf(facts(party('a'), party('b')), null, rules({ defaultAgent: 'callee' }))).toBe(
      'callee',
    );
  });
});

describe(siprecStreamSide.name, () => {
  it('maps an SDP label to the participant that sends the metadata stream, else m-line order', () => {
    const siprec: SiprecFacts = {
      sessionId: null,
      participants: [
        { ...party('a'), id: 'pa', sends: ['sB'], extensions: {} },
        { ...party('b'), id: 'pb', sends: ['sA'], extensions: {} },
      ],
      streams: [
        { id: 'sA', label: '10' },
        { id: 'sB', label: '20' },
      ],
      extensions: {},
      agentId: null,
      campaign: null,
      account: null,
    };
    expect(siprecStreamSide(siprec, '10', 0)).toBe('callee');
    expect(siprecStreamSide(siprec, '20', 1)).toBe('caller');
    expect(siprecStreamSide(null, null, 1)).toBe('callee');
  });
});

describe(buildCallMetadata.name, () => {
  it('maps headers and extension data, and drops fields that do not validate instead of the call', () => {
    const sip = facts(party('2001', '2001', 'Ana'), party('+573001112233', '+573001112233'), {
      'x-campaign': 'late-stage',
      'x-disposition': 'x'.repeat(500),
      'x-agent-id': 'A-1',
      'x-colour': 'blue',
    });
    const m = buildCallMetadata(
      {
        sip,
        siprec: null,
        startedAt: new Date('2026-01-01T10:00:00Z'),
        endedAt: new Date('2026-01-01T10:01:00Z'),
        custom: { recovered: true },
      },
      rules(),
    );
    expect(m).toMatchObject({
      agentId: 'A-1',
      campaign: 'late-stage',
      agentName: 'Ana',
      direction: 'outbound',
      callerNumber: '2001',
      calleeNumber: '+573001112233',
    });
    expect(m.disposition).toBeUndefined();
    expect(m.custom).toEqual({ recovered: true, x_colour: 'blue' });
    expect(m.participants?.[0]).toMatchObject({ role: 'agent', channel: 0, participantRef: 'A-1' });
  });

  it("takes the call's country from X-Country (or the configured header), and drops one that is no ISO code", () => {
    const build = (headers: Record<string, string>, over: Partial<MetadataRules> = {}) =>
      buildCallMetadata(
        {
          sip: facts(party('2001', '2001'), party('+573001112233', '+573001112233'), headers),
          siprec: null,
          startedAt: new Date('2026-01-01T10:00:00Z'),
          endedAt: new Date('2026-01-01T10:01:00Z'),
          custom: {},
        },
        rules(over),
      );
    expect(build({ 'x-country': 'co' }).country).toBe('CO');
    const colombia = build({ 'x-country': 'Colombia', 'x-campaign': 'mora' });
    expect(colombia.country).toBeUndefined();
    expect(colombia.campaign).toBe('mora');
    const pais = { headerMap: parseHeaderMap('P-Country-Code=country') };
    expect(build({ 'p-country-code': 'MX' }, pais).country).toBe('MX');
  });

  it('makes custom-field keys from any header or extension name', () => {
    expect(customKey('X-Sub-Campaña')).toBe('X_Sub_Campana');
    expect(customKey('9lives')).toBe('x_9lives');
    expect(() => parseHeaderMap('X-Foo=notAField')).toThrow(/invalid header mapping/);
  });
});

describe(SipTcpReassembler.name, () => {
  const seg = (sequence: number, text: string, flags = 0x18) => ({
    src: '10.0.0.1',
    srcPort: 5060,
    dst: '10.0.0.2',
    dstPort: 5060,
    sequence,
    flags,
    payload: Buffer.from(text, 'latin1'),
  });
  const message = (n: number) => `OPTIONS sip:a SIP/2.0\r\nCall-ID: ${n}\r\nContent-Length: 4\r\n\r\nbody`;

  it('reorders segments, trims retransmissions and frames every message', () => {
    const r = new SipTcpReassembler();
    const text = message(1) + message(2);
    const cut = [0, 20, 50, text.length];
    expect(r.push(seg(100, '', 0x02))).toEqual([]); // SYN
    const parts = cut.slice(0, -1).map((at, i) => seg(101 + at, text.slice(at, cut[i + 1])));
    expect(r.push(parts[0]!)).toEqual([]);
    expect(r.push(parts[2]!)).toEqual([]);
    const out = [...r.push(parts[1]!), ...r.push(parts[1]!)];
    expect(out.map((b) => /Call-ID: (\d)/.exec(b.toString())?.[1])).toEqual(['1', '2']);
  });

  it('skips a gap that never fills and resumes at the next SIP start line', () => {
    const r = new SipTcpReassembler({ maxHeldBytes: 100 });
    const lost = message(3);
    r.push(seg(1, message(1)));
    const after = 1 + message(1).length + lost.length;
    const out = r.push(seg(after, message(4) + message(5)));
    expect(out.map((b) => /Call-ID: (\d)/.exec(b.toString())?.[1])).toEqual(['4', '5']);
    expect(r.stats.gaps).toBe(1);
  });
});

describe(opusPacketSamples.name, () => {
  it('reads frame size and count from the TOC byte', () => {
    expect(opusPacketSamples(Buffer.from([(1 << 3) | 0]))).toBe(960); // SILK 20 ms
    expect(opusPacketSamples(Buffer.from([(31 << 3) | 1]))).toBe(1920); // CELT 20 ms, two frames
    expect(opusPacketSamples(Buffer.from([(30 << 3) | 3, 3]))).toBe(480 * 3);
    expect(deferredSamples('g722', Buffer.alloc(160))).toBe(320);
    expect(deferredSamples('g729', Buffer.alloc(22))).toBe(160); // two frames and a SID
  });

  it('writes Ogg pages with valid structure and granule positions', () => {
    const w = new OggOpusWriter();
    const head = w.header();
    expect(head.subarray(0, 4).toString()).toBe('OggS');
    expect(head.includes(Buffer.from('OpusHead'))).toBe(true);
    const page = w.packet(Buffer.from([(1 << 3) | 0, 1, 2, 3]));
    expect(page.readBigInt64LE(6)).toBe(960n);
    expect(page[26]).toBe(1);
  });
});

describe(IpAllowList.name, () => {
  it('matches CIDR blocks, IPv4-mapped IPv6 and single addresses', () => {
    const list = new IpAllowList(['10.0.0.0/8', '::1/128', '192.0.2.7']);
    expect(list.allows('10.200.3.4')).toBe(true);
    expect(list.allows('::ffff:10.1.1.1')).toBe(true);
    expect(list.allows('::1')).toBe(true);
    expect(list.allows('192.0.2.7')).toBe(true);
    expect(list.allows('192.0.2.8')).toBe(false);
    expect(list.allows('garbage')).toBe(false);
    expect(new IpAllowList(['0.0.0.0/0']).allows('203.0.113.9')).toBe(true);
    expect(codeOf(() => new IpAllowList(['10.0.0.0/40']))).toBe('BAD_REQUEST');
  });
});

describe(parsePortRange.name, () => {
  it('reads low-high and refuses privileged or inverted ranges', () => {
    expect(parsePortRange('40000-44999')).toEqual({ min: 40000, max: 44999 });
    expect(codeOf(() => parsePortRange('100-200'))).toBe('BAD_REQUEST');
    expect(codeOf(() => parsePortRange('5000-4000'))).toBe('BAD_REQUEST');
  });
});

describe(badRequestFor.name, () => {
  it('builds a 400 from the raw lines of a request that does not parse, and nothing for ACK or noise', () => {
    const broken =
      'INVITE sip:a SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nf: <sip:a>;tag=1\r\nTo: <sip:b>\r\ni: abc\r\nCSeq: 1 INVITE\r\nContent-Length: 99\r\n\r\nv=0';
    const reply = badRequestFor(Buffer.from(broken))!.toString();
    expect(reply).toMatch(/^SIP\/2\.0 400 Bad Request\r\n/);
    expect(reply).toContain('Call-ID: abc');
    expect(badRequestFor(Buffer.from(broken.replace('INVITE sip', 'ACK sip')))).toBeUndefined();
    expect(badRequestFor(Buffer.from([0, 1, 2]))).toBeUndefined();
  });
});
