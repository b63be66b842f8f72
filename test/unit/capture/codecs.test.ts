import { describe, expect, it } from 'vitest';
import { amrFormatOf, amrStorageFrames, splitAmrStorage } from '../../../services/capture/rtp/amr.ts';
import {
  DeferredInput,
  deferredCodecOf,
  deferredParamsOf,
  deferredPieces,
  deferredSampleRate,
  deferredSamples,
  deferredUnit,
} from '../../../services/capture/rtp/codec.deferred.ts';
import { speexFrames, speexHeader } from '../../../services/capture/rtp/speex.ts';
import {
  isUndecodableAudioCodec,
  unnamedPayloadType,
} from '../../../services/capture/rtp/stream.recorder.ts';
import { buildSdpAnswer } from '../../../services/capture/sip/sdp.answer.ts';
import { parseSdp } from '../../../services/capture/sip/sdp.ts';

/** Bits written from a string of 0s and 1s (spaces ignored), padded with `pad` to whole bytes. */
function bitsOf(text: string, pad: '0' | '1' = '0'): Buffer {
  const bits = text.replace(/\s+/g, '');
  const padded = bits.padEnd(Math.ceil(bits.length / 8) * 8, pad);
  return Buffer.from(padded.match(/.{8}/g)!.map((b) => parseInt(b, 2)));
}

describe('codec names', () => {
  it('maps SDP encodings to deferred codecs, Speex by its clock rate', () => {
    expect(deferredCodecOf('iLBC')).toBe('ilbc');
    expect(deferredCodecOf('AMR')).toBe('amr');
    expect(deferredCodecOf('AMR-WB')).toBe('amr-wb');
    expect(deferredCodecOf('speex', 8000)).toBe('speex-nb');
    expect(deferredCodecOf('SPEEX', 16000)).toBe('speex-wb');
    expect(deferredCodecOf('speex', 32000)).toBe('speex-uwb');
    expect(deferredCodecOf('EVS')).toBeUndefined();
    expect(
      ['ilbc', 'amr', 'amr-wb', 'speex-nb', 'speex-wb', 'speex-uwb'].map((c) =>
        deferredSampleRate(c as never),
      ),
    ).toEqual([8000, 8000, 16000, 8000, 16000, 32000]);
    expect(isUndecodableAudioCodec('iLBC')).toBe(false);
    expect(isUndecodableAudioCodec('EVS')).toBe(true);
  });

  it('names a dynamic payload type that no rtpmap names, for the not-decodable path', () => {
    const named = [{ payloadType: 101, encoding: 'telephone-event', clockRate: 8000, channels: 1 }];
    expect(unnamedPayloadType(['96', '101'], named)).toMatchObject({
      payloadType: 96,
      encoding: 'payload type 96',
    });
    expect(unnamedPayloadType(['0', '101'], named)).toBeUndefined();
    expect(isUndecodableAudioCodec('payload type 96')).toBe(true);
  });
});

describe('iLBC (RFC 3952)', () => {
  it('takes the mode from the fmtp, and from the payload size when only one mode fits', () => {
    expect(deferredParamsOf('mode=20').ilbcMode).toBe(20);
    expect(deferredParamsOf('mode=30').ilbcMode).toBe(30);
    expect(deferredParamsOf(undefined).ilbcMode).toBe(30);
    const p30 = deferredParamsOf('mode=30');
    const p20 = deferredParamsOf('mode=20');
    // 38 bytes can only be one 20 ms frame, whatever the fmtp says; 100 only two 30 ms frames.
    expect(deferredSamples('ilbc', deferredUnit('ilbc', Buffer.alloc(38), p30))).toBe(160);
    expect(deferredSamples('ilbc', deferredUnit('ilbc', Buffer.alloc(100), p20))).toBe(480);
    // 950 bytes fit both (25 × 38, 19 × 50): the fmtp decides.
    expect(deferredSamples('ilbc', deferredUnit('ilbc', Buffer.alloc(950), p20))).toBe(25 * 160);
    expect(deferredSamples('ilbc', deferredUnit('ilbc', Buffer.alloc(950), p30))).toBe(19 * 240);
    expect(deferredUnit('ilbc', Buffer.alloc(20), p30)).toHaveLength(0);
  });

  it('writes the storage header of the first frame’s mode, and the other mode as silence', () => {
    const input = new DeferredInput('ilbc');
    const first = input.add(deferredUnit('ilbc', Buffer.alloc(50, 1), deferredParamsOf(undefined)));
    expect(first.bytes.subarray(0, 9).toString('latin1')).toBe('#!iLBC30\n');
    expect(first.bytes).toHaveLength(9 + 50);
    expect(first.pieces).toEqual([{ data: expect.any(Buffer), samples: 240 }]);
    const other = input.add(deferredUnit('ilbc', Buffer.alloc(38, 2), deferredParamsOf(undefined)));
    expect(other.bytes).toHaveLength(0);
    expect(other.pieces).toEqual([{ data: null, samples: 160 }]);
  });
});

describe('AMR and AMR-WB (RFC 4867)', () => {
  it('reads the payload format from the fmtp', () => {
    expect(amrFormatOf(undefined)).toEqual({ octetAligned: false, crc: false, unsupported: false });
    expect(amrFormatOf('octet-align=1; mode-set=0,2,4,7')).toEqual({
      octetAligned: true,
      crc: false,
      unsupported: false,
    });
    expect(amrFormatOf('crc=1')).toEqual({ octetAligned: true, crc: true, unsupported: false });
    expect(amrFormatOf('octet-align=1;interleaving=4').unsupported).toBe(true);
  });

  it('unpacks a bandwidth-efficient SID frame bit by bit into the storage format', () => {
    // CMR 15, ToC F=0 FT=8 (SID, 39 bits) Q=1, then 39 one bits.
    const payload = bitsOf(`1111 0 1000 1 ${'1'.repeat(39)}`);
    expect([...payload]).toEqual([0xf4, 0x7f, 0xff, 0xff, 0xff, 0xff, 0x80]);
    const frames = amrStorageFrames('amr', payload, amrFormatOf(undefined))!;
    expect(frames.map((f) => [...f])).toEqual([[0x44, 0xff, 0xff, 0xff, 0xff, 0xfe]]);
    expect(splitAmrStorage('amr', Buffer.concat(frames))).toEqual([
      { frame: expect.any(Buffer), speech: false },
    ]);
  });

  it('unpacks two bandwidth-efficient frames: 12.2 kbit/s speech, then no data', () => {
    const speech = Array.from({ length: 244 }, (_, i) => (i % 3 === 0 ? '1' : '0')).join('');
    const payload = bitsOf(`0111 1 0111 1 0 1111 1 ${speech}`);
    const frames = amrStorageFrames('amr', payload, amrFormatOf(undefined))!;
    expect(frames).toHaveLength(2);
    expect(frames[0]![0]).toBe((7 << 3) | (1 << 2));
    expect(frames[0]!.subarray(1)).toEqual(bitsOf(speech));
    expect([...frames[1]!]).toEqual([(15 << 3) | (1 << 2)]);
    const unit = Buffer.concat(frames);
    expect(deferredSamples('amr', unit)).toBe(320);
    expect(deferredPieces('amr', unit).map((p) => [p.data === null, p.samples])).toEqual([
      [false, 160],
      [true, 160],
    ]);
  });

  it('unpacks octet-aligned payloads, skipping CRCs, and falls back to the other format when the SDP was missed', () => {
    // AMR-WB: CMR, ToC F=1 FT=9 (SID, 40 bits) Q=1, ToC F=0 FT=15 Q=1, one CRC (the no-data frame has none).
    const payload = Buffer.from([0xf0, 0x80 | (9 << 3) | 4, (15 << 3) | 4, 0x11, 1, 2, 3, 4, 5]);
    const frames = amrStorageFrames('amr-wb', payload, amrFormatOf('octet-align=1;crc=1'))!;
    expect(frames.map((f) => [...f])).toEqual([[(9 << 3) | 4, 1, 2, 3, 4, 5], [(15 << 3) | 4]]);
    // AMR-NB 12.2 octet-aligned, read by a stream whose SDP (bandwidth-efficient by default) was not captured.
    const oa = Buffer.concat([Buffer.from([0xf0, (7 << 3) | 4]), Buffer.alloc(31, 0x5a)]);
    const read = amrStorageFrames('amr', oa, amrFormatOf(undefined))!;
    expect(read).toHaveLength(1);
    expect(read[0]!.subarray(1)).toEqual(Buffer.alloc(31, 0x5a));
    expect(amrStorageFrames('amr', Buffer.from([0xf0]), amrFormatOf(undefined))).toBeUndefined();
    expect(amrStorageFrames('amr', oa, amrFormatOf('octet-align=1;interleaving=2'))).toBeUndefined();
  });

  it('starts the ffmpeg input with the storage magic', () => {
    const unit = Buffer.from([(15 << 3) | 4]);
    expect(new DeferredInput('amr-wb').add(unit).bytes.toString('latin1')).toBe('#!AMR-WB\n');
    expect(new DeferredInput('amr').add(unit).bytes.toString('latin1')).toBe('#!AMR\n');
  });
});

describe('Speex (RFC 5574)', () => {
  it('cuts a packet into its frames, past in-band signalling, up to the terminator', () => {
    const frameA = `0 0001 ${'10'.repeat(19)}`; // narrowband mode 1: 43 bits
    const request = '0 1110 0011 1010'; // in-band request 3: 4 more bits
    const frameB = '0 0000'; // mode 0: 5 bits
    const packet = bitsOf(`${frameA} ${request} ${frameB} 0 1111`, '1');
    const frames = speexFrames(packet);
    expect(frames).toHaveLength(2);
    expect(frames[0]).toEqual(bitsOf(`${frameA} 0`, '1'));
    expect([...frames[1]!]).toEqual([0b00000011]);
    expect(deferredSamples('speex-nb', deferredUnit('speex-nb', packet, deferredParamsOf(undefined)))).toBe(
      320,
    );
  });

  it('keeps the higher-band layers with their frame', () => {
    const wb = `0 0000 1 001 ${'1'.repeat(32)}`; // narrowband mode 0, wideband sub-mode 1 (36 bits)
    const frames = speexFrames(bitsOf(`${wb} ${wb}`, '1'));
    expect(frames).toHaveLength(2);
    expect(frames[1]).toEqual(bitsOf(`${wb} 0`, '1'));
    expect(
      deferredSamples(
        'speex-wb',
        deferredUnit('speex-wb', bitsOf(`${wb} ${wb}`, '1'), deferredParamsOf(undefined)),
      ),
    ).toBe(640);
  });

  it('writes an Ogg Speex header for one frame per packet', () => {
    const h = speexHeader('wb');
    expect(h.toString('latin1', 0, 8)).toBe('Speex   ');
    expect([h.readInt32LE(36), h.readInt32LE(40), h.readInt32LE(56), h.readInt32LE(64)]).toEqual([
      16000, 1, 320, 1,
    ]);
    const input = new DeferredInput('speex-nb');
    const { bytes } = input.add(
      deferredUnit('speex-nb', bitsOf('0 0000 0 0000', '1'), deferredParamsOf(undefined)),
    );
    expect(bytes.subarray(0, 4).toString('latin1')).toBe('OggS');
    expect(bytes.includes(Buffer.from('Speex   '))).toBe(true);
  });
});

describe('SDP answer', () => {
  it('accepts iLBC, Speex, AMR and AMR-WB, echoing the fmtp that says how the payloads are packed', () => {
    const offer = parseSdp(
      [
        'v=0',
        'o=- 1 1 IN IP4 192.0.2.1',
        's=-',
        'c=IN IP4 192.0.2.1',
        't=0 0',
        'm=audio 4000 RTP/AVP 96',
        'a=rtpmap:96 AMR/8000',
        'a=fmtp:96 octet-align=1',
        'm=audio 4002 RTP/AVP 97',
        'a=rtpmap:97 iLBC/8000',
        'a=fmtp:97 mode=20',
        'm=audio 4004 RTP/AVP 98',
        'a=rtpmap:98 speex/16000',
        'm=audio 4006 RTP/AVP 99',
        'a=rtpmap:99 AMR-WB/16000',
        '',
      ].join('\r\n'),
    );
    let port = 20000;
    const answer = buildSdpAnswer(offer, { address: '192.0.2.9', allocatePort: () => (port += 2) });
    expect(answer.streams.map((s) => s.codec?.encoding)).toEqual(['AMR', 'iLBC', 'speex', 'AMR-WB']);
    expect(answer.sdp).toContain('a=fmtp:96 octet-align=1');
    expect(answer.sdp).toContain('a=fmtp:97 mode=20');
  });
});
