import { describe, expect, it } from 'vitest';
import { decodeG711 } from '../../../services/capture/rtp/g711.ts';
import { writePcap } from '../../../tools/synth/pcap.writer.ts';
import { parseCallScript, type CallScriptInput } from '../../../services/cli/call-script.ts';
import { CallRenderer } from '../../../tools/synth/call.renderer.ts';
import { rms } from '../../../tools/synth/dsp.ts';
import { buildSipCall, TELEPHONE_EVENT_PT } from '../../../tools/synth/sip-call.builder.ts';
import { callIdOf, cseqOf, readCapture } from './capture-readback.ts';
import { ToneSynthesizer } from './synth-test-helpers.ts';

const SCRIPT: CallScriptInput = {
  language: 'es',
  seed: 11,
  agent: { name: 'Carolina Gómez', number: '+57 601 555 0101' },
  customer: { number: '+57 300 123 4567' },
  metadata: { startedAt: '2026-03-02T10:15:02-05:00', direction: 'outbound' },
  turns: [
    { party: 'agent', text: 'buenos días, le habla carolina de cobranzas andinas' },
    { party: 'customer', text: 'sí, dígame' },
    { party: 'customer', dtmf: '4512#' },
    { party: 'agent', text: 'gracias' },
  ],
};

async function build(input: CallScriptInput) {
  const script = parseCallScript(input);
  const call = await new CallRenderer(new ToneSynthesizer()).render(script);
  const capture = buildSipCall(script, call);
  return { script, call, capture, readback: await readCapture(writePcap(capture.frames)) };
}

describe(buildSipCall.name, () => {
  it('writes the SIP dialog INVITE, 100, 180, 200, ACK, BYE, 200 with SDP offer and answer', async () => {
    const { readback, capture } = await build(SCRIPT);
    expect(readback.format).toBe('pcap');
    expect(readback.sip.map((s) => s.label)).toEqual(['INVITE', '100', '180', '200', 'ACK', 'BYE', '200']);
    expect(new Set(readback.sip.map((s) => callIdOf(s.message)))).toEqual(new Set([capture.callId]));
    expect(readback.sip.map((s) => cseqOf(s.message).method)).toEqual([
      'INVITE',
      'INVITE',
      'INVITE',
      'INVITE',
      'ACK',
      'BYE',
      'BYE',
    ]);
    const invite = readback.sip[0]!;
    expect(invite).toMatchObject({ src: '10.20.0.10', dst: '10.30.0.20' });
    expect(invite.message.kind === 'request' && invite.message.uri).toBe('sip:+573001234567@10.30.0.20:5060');
    expect(invite.message.headers.get('From')).toMatch(
      /^"Carolina Gómez" <sip:\+576015550101@10\.20\.0\.10>;tag=/,
    );
    // The INVITE goes out when the call starts minus the ringing time; the 200 OK answers at the start.
    expect(readback.sip[3]!.timeMs).toBe(Date.parse('2026-03-02T15:15:02Z'));
    for (const i of [0, 3]) {
      const media = readback.sip[i]!.sdp!.media[0]!;
      expect(media.formats).toEqual(['0', String(TELEPHONE_EVENT_PT)]);
      expect(media.rtpmaps.map((r) => `${r.encoding}/${r.clockRate}`)).toEqual([
        'PCMU/8000',
        'telephone-event/8000',
      ]);
      expect(media.ptime).toBe(20);
    }
    expect(readback.sip[3]!.message.headers.get('To')).toMatch(/;tag=/);
    expect(readback.sip[5]!.message.headers.get('To')).toBe(readback.sip[3]!.message.headers.get('To'));
  });

  it('sends 20 ms G.711 packets both ways with contiguous sequence numbers and timestamps', async () => {
    const { readback, call, capture } = await build(SCRIPT);
    const expected = call.durationMs / 20;
    expect(readback.rtp.size).toBe(2);
    for (const [key, summary] of [
      ['10.20.0.10:16384>10.30.0.20:30000', capture.streams.agent],
      ['10.30.0.20:30000>10.20.0.10:16384', capture.streams.customer],
    ] as const) {
      const packets = readback.rtp.get(key)!;
      const audio = packets.filter((p) => p.packet.payloadType === 0);
      expect(audio.length).toBe(expected);
      expect(new Set(packets.map((p) => p.packet.ssrc))).toEqual(new Set([summary.ssrc]));
      packets.forEach((p, i) => expect(p.packet.sequence).toBe((summary.firstSequence + i) & 0xffff));
      audio.forEach((p, i) => {
        expect(p.packet.timestamp).toBe((summary.firstTimestamp + 160 * i) >>> 0);
        expect(p.packet.payload.length).toBe(160);
        expect(p.packet.marker).toBe(i === 0);
      });
      for (let i = 1; i < audio.length; i++)
        expect(audio[i]!.timeMs - audio[i - 1]!.timeMs).toBeCloseTo(20, 3);
    }
    // Media flows between the ACK and the BYE.
    const all = [...readback.rtp.values()].flat();
    const ack = readback.sip.find((s) => s.label === 'ACK')!.timeMs;
    const bye = readback.sip.find((s) => s.label === 'BYE')!.timeMs;
    expect(Math.min(...all.map((p) => p.timeMs))).toBeGreaterThan(ack);
    expect(Math.max(...all.map((p) => p.timeMs))).toBeLessThan(bye);
  });

  it('sends each key as RFC 4733 events (marker first, growing duration, three end packets) and mutes the audio', async () => {
    const { readback, call, capture } = await build(SCRIPT);
    const key = '10.30.0.20:30000>10.20.0.10:16384';
    const detected = readback.dtmf.get(key)!;
    expect(detected.map((d) => d.digit).join('')).toBe('4512#');
    expect(detected.every((d) => d.ended && d.durationMs === 160)).toBe(true);
    expect(readback.dtmf.get('10.20.0.10:16384>10.30.0.20:30000')).toBeUndefined();

    const packets = readback.rtp.get(key)!;
    const first = call.dtmf[0]!;
    const eventTs = (capture.streams.customer.firstTimestamp + (first.startMs / 20) * 160) >>> 0;
    expect(detected[0]!.startTimestamp).toBe(eventTs);
    const events = packets.filter(
      (p) => p.packet.payloadType === TELEPHONE_EVENT_PT && p.packet.timestamp === eventTs,
    );
    expect(events.map((e) => e.packet.marker)).toEqual([
      true,
      ...Array<boolean>(events.length - 1).fill(false),
    ]);
    const flags = events.map((e) => ({
      end: (e.packet.payload[1]! & 0x80) !== 0,
      duration: e.packet.payload.readUInt16BE(2),
    }));
    expect(flags.map((f) => f.duration)).toEqual([160, 320, 480, 640, 800, 960, 1120, 1280, 1280, 1280]);
    expect(flags.filter((f) => f.end)).toHaveLength(3);
    expect(capture.streams.customer.eventPackets).toBe(5 * 10);

    // The audio packets during a key carry silence, not the tone.
    const audio = packets.filter((p) => p.packet.payloadType === 0);
    const during = audio.slice(first.startMs / 20, first.startMs / 20 + 8);
    const samples = decodeG711(Buffer.concat(during.map((p) => p.packet.payload)), 'PCMU');
    expect(rms(Float32Array.from(samples, (v) => v / 32768))).toBeLessThan(0.001);
    // ... while the speech around it is there.
    const seg = call.segments[1]!;
    const speech = audio.slice(Math.ceil(seg.startMs / 20) + 1, Math.floor(seg.endMs / 20) - 1);
    const level = rms(
      Float32Array.from(
        decodeG711(Buffer.concat(speech.map((p) => p.packet.payload)), 'PCMU'),
        (v) => v / 32768,
      ),
    );
    expect(level).toBeGreaterThan(0.02);
  });

  it('lets the customer call in, with PCMA, and the agent still hang up', async () => {
    const { readback } = await build({
      ...SCRIPT,
      codec: 'PCMA',
      metadata: { direction: 'inbound' },
      customer: { number: '+57 300 123 4567', ip: '192.0.2.44' },
    });
    const invite = readback.sip[0]!;
    expect(invite).toMatchObject({ src: '192.0.2.44', dst: '10.20.0.10', label: 'INVITE' });
    expect(invite.sdp!.media[0]!.rtpmaps[0]).toMatchObject({ encoding: 'PCMA', payloadType: 8 });
    const bye = readback.sip.find((s) => s.label === 'BYE')!;
    expect(bye).toMatchObject({ src: '10.20.0.10', dst: '192.0.2.44' });
    expect(cseqOf(bye.message).seq).toBe(1);
    expect(
      [...readback.rtp.values()].flat().every((p) => [8, TELEPHONE_EVENT_PT].includes(p.packet.payloadType)),
    ).toBe(true);
  });
});
