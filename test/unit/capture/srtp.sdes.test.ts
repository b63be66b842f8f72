import { describe, expect, it } from 'vitest';
import { parseSdp } from '../../../services/capture/sip/sdp.ts';
import { buildSdpAnswer } from '../../../services/capture/sip/sdp.answer.ts';
import { parseCryptoAttribute } from '../../../services/capture/rtp/srtp.sdes.ts';

const KEY_CM = Buffer.alloc(30, 7).toString('base64');
const KEY_GCM = Buffer.alloc(28, 9).toString('base64');
const KEY_GCM256 = Buffer.alloc(44, 3).toString('base64');

function offer(mLines: string[]): string {
  return [
    'v=0',
    'o=SRC 1 1 IN IP4 198.51.100.1',
    's=-',
    'c=IN IP4 198.51.100.1',
    't=0 0',
    ...mLines,
    '',
  ].join('\r\n');
}

describe(parseCryptoAttribute.name, () => {
  it('reads tag, suite and key of the four supported suites, with a lifetime', () => {
    expect(parseCryptoAttribute(`1 AES_CM_128_HMAC_SHA1_80 inline:${KEY_CM}|2^31`)).toMatchObject({
      tag: 1,
      suite: 'AES_CM_128_HMAC_SHA1_80',
    });
    expect(parseCryptoAttribute(`2 AES_CM_128_HMAC_SHA1_32 inline:${KEY_CM}`)).toMatchObject({ tag: 2 });
    expect(parseCryptoAttribute(`3 AEAD_AES_128_GCM inline:${KEY_GCM}`)).toMatchObject({ tag: 3 });
    expect(parseCryptoAttribute(`4 AEAD_AES_256_GCM inline:${KEY_GCM256} WSH=64`)).toMatchObject({ tag: 4 });
  });

  it('refuses MKI, several keys, wrong key lengths, unknown suites and weakening parameters', () => {
    expect(parseCryptoAttribute(`1 AES_CM_128_HMAC_SHA1_80 inline:${KEY_CM}|2^20|1:4`)).toBe('mki');
    expect(parseCryptoAttribute(`1 AES_CM_128_HMAC_SHA1_80 inline:${KEY_CM}|1:4`)).toBe('mki');
    expect(parseCryptoAttribute(`1 AES_CM_128_HMAC_SHA1_80 inline:${KEY_CM};inline:${KEY_CM}`)).toBe('mki');
    expect(parseCryptoAttribute(`1 AES_CM_128_HMAC_SHA1_80 inline:${KEY_GCM}`)).toBe('bad-key');
    expect(parseCryptoAttribute(`1 F8_128_HMAC_SHA1_80 inline:${KEY_CM}`)).toBe('unsupported-suite');
    expect(parseCryptoAttribute(`1 AES_256_CM_HMAC_SHA1_80 inline:${KEY_CM}`)).toBe('unsupported-suite');
    expect(parseCryptoAttribute(`1 AES_CM_128_HMAC_SHA1_80 inline:${KEY_CM} UNENCRYPTED_SRTP`)).toBe(
      'unsupported-parameter',
    );
    expect(parseCryptoAttribute(`1 AES_CM_128_HMAC_SHA1_80 inline:${KEY_CM} KDR=24`)).toBe(
      'unsupported-parameter',
    );
    expect(parseCryptoAttribute('x AES_CM_128_HMAC_SHA1_80 inline:abc')).toBe('bad-key');
  });
});

describe('SDP answer to SRTP offers', () => {
  const answerTo = (text: string) =>
    buildSdpAnswer(parseSdp(offer(text.split('\n'))), {
      address: '203.0.113.5',
      allocatePort: ({ index }) => 40000 + index * 2,
    });

  it('accepts the first supported a=crypto line and answers with the same tag and suite and a fresh key', () => {
    const text = [
      'm=audio 10000 RTP/SAVP 0',
      'a=crypto:1 AES_256_CM_HMAC_SHA1_80 inline:' + Buffer.alloc(46).toString('base64'),
      `a=crypto:2 AES_CM_128_HMAC_SHA1_80 inline:${KEY_CM}|2^31`,
      `a=crypto:3 AEAD_AES_128_GCM inline:${KEY_GCM}`,
      'a=label:1',
      'a=sendonly',
      'm=audio 10002 RTP/SAVPF 8',
      `a=crypto:7 AEAD_AES_128_GCM inline:${KEY_GCM}`,
      'a=sendonly',
    ].join('\n');
    const first = answerTo(text);
    const second = answerTo(text);
    expect(first.streams.map((s) => [s.port, s.srtp?.suite, s.rejected])).toEqual([
      [40000, 'AES_CM_128_HMAC_SHA1_80', undefined],
      [40002, 'AEAD_AES_128_GCM', undefined],
    ]);
    // The stream decrypts with the offered key.
    expect(first.streams[0]!.srtp!.keySalt.toString('base64')).toBe(KEY_CM);
    const answer = parseSdp(first.sdp);
    expect(answer.media.map((m) => m.proto)).toEqual(['RTP/SAVP', 'RTP/SAVPF']);
    const cryptos = answer.media.map((m) =>
      m.attributes.filter((a) => a.name === 'crypto').map((a) => a.value!),
    );
    expect(cryptos[0]).toHaveLength(1);
    expect(cryptos[0]![0]).toMatch(/^2 AES_CM_128_HMAC_SHA1_80 inline:[A-Za-z0-9+/]{40}$/);
    expect(cryptos[1]![0]).toMatch(/^7 AEAD_AES_128_GCM inline:[A-Za-z0-9+/]{36}/);
    const key = (sdp: string) => /AES_CM_128_HMAC_SHA1_80 inline:(\S+)/.exec(sdp)![1];
    expect(key(first.sdp)).not.toBe(KEY_CM);
    expect(key(first.sdp)).not.toBe(key(second.sdp));
  });

  it('refuses SRTP streams with no usable key (port 0) and DTLS-SRTP', () => {
    const result = answerTo(
      [
        'm=audio 10000 RTP/SAVP 0',
        `a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${KEY_CM}|2^20|1:4`,
        'm=audio 10002 RTP/SAVP 0',
        'm=audio 10004 UDP/TLS/RTP/SAVP 0',
        'a=fingerprint:sha-256 AB:CD',
        'm=audio 10006 RTP/AVP 0',
      ].join('\n'),
    );
    expect(result.streams.map((s) => [s.port, s.rejected])).toEqual([
      [0, 'no-supported-crypto'],
      [0, 'no-supported-crypto'],
      [0, 'unsupported-profile'],
      [40006, undefined],
    ]);
    expect(result.sdp).not.toContain('a=crypto');
  });
});
