import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { aorUri, parseRecordingMetadata } from '../../../services/capture/sip/siprec.metadata.ts';
import { siprecFactsOf, siprecStreamSide } from '../../../services/capture/call.metadata.ts';
import { siprecBodies } from '../../../services/capture/sip/multipart.ts';
import { parseSdp } from '../../../services/capture/sip/sdp.ts';
import { parseSipMessage } from '../../../services/capture/sip/sip.message.ts';
import { codeOf, expectContainedFailure, mutationsOf } from './capture-test-helpers.ts';

const fixture = (name: string): Buffer =>
  readFileSync(new URL(`../../fixtures/capture/siprec/${name}`, import.meta.url));

describe(parseRecordingMetadata.name, () => {
  it('reads sessions, participants, streams and their send/recv associations (RFC 7865 shape)', () => {
    const m = parseRecordingMetadata(fixture('rfc7865-complete.xml'));
    expect(m.dataMode).toBe('complete');
    expect(m.sessionId).toBe('c2Vzc2lvbi0wMDAx');
    expect(m.sessions[0]).toMatchObject({
      groupRef: 'Qm9uZ3JvdXAtMDAwMQ==',
      startTime: '2026-02-11T09:30:04Z',
      sipSessionIds: ['ab30317f1a784dc48ff824d0d3715d86;remote=47755a9de7794ba387653f2099600ef2'],
    });
    expect(m.groups).toEqual([{ id: 'Qm9uZ3JvdXAtMDAwMQ==' }]);
    expect(m.participants.map((p) => ({ ...p, extensions: { ...p.extensions } }))).toEqual([
      {
        id: 'cGFydGljaXBhbnQtQQ==',
        aor: 'sip:+34600123456@carrier.example',
        name: 'María López',
        number: '+34600123456',
        sends: ['c3RyZWFtLUExLWF1ZGlv'],
        receives: ['c3RyZWFtLUIxLWF1ZGlv'],
        extensions: {},
      },
      {
        id: 'cGFydGljaXBhbnQtQg==',
        aor: 'sip:agente4711@cobros.example',
        name: 'Agente 4711',
        number: undefined,
        sends: ['c3RyZWFtLUIxLWF1ZGlv'],
        receives: ['c3RyZWFtLUExLWF1ZGlv'],
        extensions: {},
      },
    ]);
    expect(m.streams).toEqual([
      { id: 'c3RyZWFtLUExLWF1ZGlv', label: '96', sessionId: 'c2Vzc2lvbi0wMDAx' },
      { id: 'c3RyZWFtLUIxLWF1ZGlv', label: '97', sessionId: 'c2Vzc2lvbi0wMDAx' },
    ]);
    expect({ ...m.extensions }).toEqual({
      'call-center.supervisor': 'sip:supervisora@cobros.example',
      'mydata.structure': 'group data',
      'mydata.whatever': 'one',
      'mydata.structure[2]': 'session data',
    });
    expect(m.agentId).toBeUndefined();
  });

  it('maps the metadata streams of an RFC 7866 INVITE to the SDP labels', () => {
    const invite = parseSipMessage(fixture('rfc7866-invite.sip'));
    const { sdp, metadata } = siprecBodies(invite.headers.get('Content-Type'), invite.body);
    const m = parseRecordingMetadata(metadata ?? Buffer.alloc(0));
    const labels = parseSdp(sdp ?? '').media.map((media) => media.label);
    const caller = m.participants[0];
    const sentStream = m.streams.find((s) => s.id === caller?.sends[0]);
    expect(labels).toContain(sentStream?.label);
    expect(sentStream?.label).toBe('96');
  });

  it('reads a Cisco CUBE style body with ExtensionData and copied headers', () => {
    const m = parseRecordingMetadata(fixture('cisco-cube.xml'));
    expect(m.participants.map((p) => p.number)).toEqual(['+34600123456', '4711']);
    expect(m.participants[1]?.sends).toEqual(['a1b2c3d4000100000000005b0a0a010a12']);
    expect(m.streams.map((s) => s.label)).toEqual(['1', '2']);
    expect(m.extensions['callData.gcid']).toBe('c7c4a2f2-1dd2-11b2-8b2e-b0a0a010a000');
    expect(m.extensions['X-Agent-ID']).toBe('4711');
    expect(m).toMatchObject({ agentId: '4711', campaign: 'MORA-30', account: 'ES-0049-7788' });
  });

  it('reads an Oracle/Acme style body: id attributes, inline send/recv, apkt extension data', () => {
    const m = parseRecordingMetadata(fixture('oracle-acme.xml'));
    expect(m.sessionId).toBe('bmRZbEhPNUlhaHNxWHRIdg==');
    expect(m.participants.map((p) => [p.id, p.name, p.sends, p.receives])).toEqual([
      [
        'eXVkZ3JhNUx3Yk5hUGJnNg==',
        '+34911234567',
        ['Z2xDa3hEWFZ6QnNtcjZTeg=='],
        ['YjBCd3ZHRjJOTFpzWnRRbg=='],
      ],
      ['VnhxeTVQNUl6R3R3QnBrVQ==', 'Agente 7001', ['YjBCd3ZHRjJOTFpzWnRRbg=='], ['Z2xDa3hEWFZ6QnNtcjZTeg==']],
    ]);
    expect(m.streams.map((s) => [s.id, s.label, s.sessionId])).toEqual([
      ['Z2xDa3hEWFZ6QnNtcjZTeg==', '1', 'bmRZbEhPNUlhaHNxWHRIdg=='],
      ['YjBCd3ZHRjJOTFpzWnRRbg==', '2', 'bmRZbEhPNUlhaHNxWHRIdg=='],
    ]);
    expect(m.extensions['ucid']).toBe('00FA080018803B69810C2A;encoding=hex');
    expect(m.extensions['in-realm']).toBe('carrier');
    expect(m.participants[0]?.extensions['callingParty']).toBe('true');
    expect(m).toMatchObject({ agentId: '7001', campaign: 'CAMP-2026-Q2', account: '0182-5566-11' });
  });

  it('reads a BroadWorks style body with nested call-center extension data', () => {
    const m = parseRecordingMetadata(fixture('broadworks.xml'));
    expect(m.participants.map((p) => [p.aor, p.number, p.name])).toEqual([
      ['tel:+34600111222', '+34600111222', 'Cliente'],
      ['sip:agente.garcia@cobros.example', undefined, 'Ana García'],
    ]);
    expect(m.participants[0]?.receives).toEqual([]);
    expect(m.extensions['callCenter.callCenterUserId']).toBe('mora30@cobros.example');
    expect(m.extensions['groupId']).toBe('CobrosMadrid');
    expect(m).toMatchObject({ agentId: 'garcia', campaign: 'MORA-30', account: undefined });
  });

  it('accepts a prefixed namespace and an un-namespaced legacy document', () => {
    const prefixed = parseRecordingMetadata(
      `<rs:recording xmlns:rs="urn:ietf:params:xml:ns:recording:1"><rs:session session_id="s1"/>
       <rs:participant participant_id="p1"><rs:nameID aor="sip:+3491@x"><rs:name>A</rs:name></rs:nameID></rs:participant>
       <rs:stream stream_id="st1" session_id="s1"><rs:label>5</rs:label></rs:stream>
       <rs:participantstreamassoc participant_id="p1"><rs:send>st1</rs:send></rs:participantstreamassoc></rs:recording>`,
    );
    expect(prefixed.participants[0]).toMatchObject({ aor: 'sip:+3491@x', name: 'A', sends: ['st1'] });
    expect(prefixed.streams[0]?.label).toBe('5');

    const legacy = parseRecordingMetadata(
      `<recording><dataMode>partial</dataMode><session session="s9"/>
       <participant id="p1" name="Alice"><aor>sip:alice@example.com</aor><send>x</send></participant>
       <stream streamid="x" label="L1"/></recording>`,
    );
    expect(legacy.dataMode).toBe('partial');
    expect(legacy.sessionId).toBe('s9');
    expect(legacy.participants[0]).toMatchObject({ id: 'p1', aor: 'sip:alice@example.com', name: 'Alice' });
    expect(legacy.streams[0]).toMatchObject({ id: 'x', label: 'L1' });
  });

  it('reads the older draft form: <recording_metadata> in urn:ietf:params:xml:ns:siprec', () => {
    const m = parseRecordingMetadata(fixture('draft-recording-metadata.xml'));
    expect(m.dataMode).toBe('complete');
    expect(m.sessionId).toBe('hVpd7YQgRW2nD22h7q60JQ==');
    expect(m.sessions[0]).toMatchObject({ groupRef: '7+OTCyoxTmqmqyA/1weDAg==' });
    expect(m.groups).toEqual([{ id: '7+OTCyoxTmqmqyA/1weDAg==' }]);
    expect(m.participants.map((p) => [p.aor, p.number, p.name, p.sends, p.receives])).toEqual([
      [
        'sip:+15551230001@sbc.example.com;user=phone',
        '+15551230001',
        'Customer',
        ['i1Pz3to5hGk8fuXl+wlI1Q=='],
        ['8zc6e0lYTlWIINA6GR+3ag=='],
      ],
      [
        'sip:4410@democorp.example.com',
        '4410',
        'Agent 4410',
        ['8zc6e0lYTlWIINA6GR+3ag=='],
        ['i1Pz3to5hGk8fuXl+wlI1Q=='],
      ],
    ]);
    expect(m.streams.map((s) => [s.id, s.label])).toEqual([
      ['i1Pz3to5hGk8fuXl+wlI1Q==', '96'],
      ['8zc6e0lYTlWIINA6GR+3ag==', '97'],
    ]);
    expect({ ...m.extensions }).toEqual({
      extTrackingID: '1142208:1',
      callId: 'callhalf-11473743407:0',
      serviceProviderID: 'DemoCorp',
      agentId: '4410',
    });
    expect(m.agentId).toBe('4410');
    // A document whose tags were lost (a real BroadWorks capture) is still a draft root: nothing to read.
    expect(
      parseRecordingMetadata(
        '<recording_metadata xmlns="urn:ietf:params:xml:ns:siprec">completeSRC</recording_metadata>',
      ),
    ).toMatchObject({ dataMode: undefined, participants: [], streams: [] });
    expect(codeOf(() => parseRecordingMetadata('<metadata/>'))).toBe('BAD_REQUEST');
  });

  it('reads AORs without a URI scheme and the calling-party markers of vendor data', () => {
    const m = parseRecordingMetadata(
      `<recording xmlns="urn:ietf:params:xml:ns:recording" xmlns:apkt="http://acmepacket.com/siprec/extensiondata">
       <participant id="b"><nameID aor="2249888012@172.16.195.72"/>
         <extensiondata><apkt:callingParty>false</apkt:callingParty></extensiondata></participant>
       <participant id="a"><nameID aor="+34 600 111 222"/>
         <extensiondata><apkt:callingParty>true</apkt:callingParty>
           <apkt:header label="Call-ID"><value>c1@pbx</value></apkt:header></extensiondata></participant>
       <participant id="c"><nameID aor="Extension-0161@speechpath.ie"/><role>calling</role></participant>
       <participant id="d"><nameID aor="sip:d@x"/><role>called</role></participant>
       <participant id="e"><nameID aor="sip:e@x"/></participant></recording>`,
    );
    expect(m.participants.map((p) => [p.id, p.number, p.calling])).toEqual([
      ['b', '2249888012', false],
      ['a', '+34600111222', true],
      ['c', undefined, true],
      ['d', undefined, false],
      ['e', undefined, undefined],
    ]);
    expect(m.participants[1]?.extensions['Call-ID']).toBe('c1@pbx');
    expect(aorUri('2249888012@172.16.195.72')).toBe('sip:2249888012@172.16.195.72');
    expect(aorUri('+34 600 111 222')).toBe('tel:+34600111222');
    expect(aorUri('tel:+34600')).toBe('tel:+34600');
  });

  it('puts the participant marked as calling party first, so it is the caller', () => {
    const xml = (first: string, second: string): string =>
      `<recording xmlns="urn:ietf:params:xml:ns:recording" xmlns:apkt="http://acmepacket.com/siprec/extensiondata">
       <participant id="p1"><nameID aor="sip:1002@pbx"/><send>s1</send>
         <extensiondata><apkt:callingParty>${first}</apkt:callingParty></extensiondata></participant>
       <participant id="p2"><nameID aor="sip:+34600111222@carrier"/><send>s2</send>
         <extensiondata><apkt:callingParty>${second}</apkt:callingParty></extensiondata></participant>
       <stream id="s1"><label>11</label></stream><stream id="s2"><label>12</label></stream></recording>`;
    const swapped = siprecFactsOf(parseRecordingMetadata(xml('false', 'true')));
    expect(swapped.participants.map((p) => p.number)).toEqual(['+34600111222', '1002']);
    expect(siprecStreamSide(swapped, '12', 1)).toBe('caller');
    expect(siprecStreamSide(swapped, '11', 0)).toBe('callee');
    const kept = siprecFactsOf(parseRecordingMetadata(xml('true', 'false')));
    expect(kept.participants.map((p) => p.number)).toEqual(['1002', '+34600111222']);
  });

  it('recognises agent, campaign and account under Spanish and header-style names', () => {
    const m = parseRecordingMetadata(
      `<recording xmlns="urn:ietf:params:xml:ns:recording:1"><session session_id="s"><datos xmlns="urn:x">
       <entry key="X-Agente" value="A-12"/><campaña>Recobro</campaña><numeroCuenta>77</numeroCuenta>
       </datos></session></recording>`,
    );
    expect(m).toMatchObject({ agentId: 'A-12', campaign: 'Recobro', account: '77' });
  });

  it.each([
    ['a DTD', '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "b">]><recording/>'],
    ['malformed XML', '<recording><session></recording>'],
    ['another root', '<html/>'],
    ['no XML at all', 'hola'],
    ['deep nesting', `<recording>${'<a>'.repeat(100)}${'</a>'.repeat(100)}</recording>`],
  ])('rejects %s', (_what, xml) => {
    expect(codeOf(() => parseRecordingMetadata(xml))).toBe('BAD_REQUEST');
  });

  it('refuses oversized documents', () => {
    expect(codeOf(() => parseRecordingMetadata(`<recording>${' '.repeat(300_000)}</recording>`))).toBe(
      'PAYLOAD_TOO_LARGE',
    );
  });

  it('associates thousands of participants and streams in linear time', () => {
    const n = 1500;
    const parts = Array.from(
      { length: n },
      (_, i) => `<participant participant_id="p${i}"><nameID aor="sip:${i}@x"/></participant>`,
    );
    const assoc = Array.from(
      { length: n },
      (_, i) => `<participantstreamassoc participant_id="p${i}"><send>s${i}</send></participantstreamassoc>`,
    );
    const started = performance.now();
    const m = parseRecordingMetadata(`<recording>${parts.join('')}${assoc.join('')}</recording>`);
    expect(m.participants).toHaveLength(n);
    expect(m.participants[n - 1]?.sends).toEqual([`s${n - 1}`]);
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it('stays fast on pathological markup', () => {
    const started = performance.now();
    for (const xml of [
      '<'.repeat(200_000),
      `<recording>${'<!--'.repeat(50_000)}`,
      `<a ${'b="c" '.repeat(30_000)}`,
    ]) {
      expectContainedFailure(() => parseRecordingMetadata(xml));
    }
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it('never fails with anything but BAD_REQUEST on mutated documents', () => {
    const documents = ['rfc7865-complete.xml', 'cisco-cube.xml', 'oracle-acme.xml', 'broadworks.xml'].map(
      fixture,
    );
    fc.assert(
      fc.property(fc.constantFrom(...documents).chain(mutationsOf), (bytes) => {
        expectContainedFailure(() => parseRecordingMetadata(bytes));
      }),
      { numRuns: 300 },
    );
  });
});
