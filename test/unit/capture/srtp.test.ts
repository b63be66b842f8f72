import { createSecretKey, type KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  aesCmKeystream,
  deriveSessionKey,
  SRTP_AUTH_FAILED,
  SRTP_REPLAYED,
  SRTP_SUITES,
  SUITE_PARAMS,
  SrtpContext,
  type SrtpSuite,
} from '../../../services/capture/rtp/srtp.ts';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

/** RFC 3711 Appendix B.3 / libsrtp's srtp_validate master key and salt. */
const CM_MASTER = hex('E1F97A0D3E018BE0D64FA32C06DE4139 0EC675AD498AFEEBB6960B3AABE6');

function rtp(seq: number, ssrc: number, payload: Buffer, pt = 0, timestamp = seq * 160): Buffer {
  const header = Buffer.alloc(12);
  header[0] = 0x80;
  header[1] = pt;
  header.writeUInt16BE(seq & 0xffff, 2);
  header.writeUInt32BE(timestamp >>> 0, 4);
  header.writeUInt32BE(ssrc >>> 0, 8);
  return Buffer.concat([header, payload]);
}

function keyFor(suite: SrtpSuite, fill: number): Buffer {
  const p = SUITE_PARAMS[suite];
  return Buffer.from(
    Array.from({ length: p.masterKeyBytes + p.masterSaltBytes }, (_, i) => (fill * 31 + i * 7) & 0xff),
  );
}

describe('SRTP key derivation (RFC 3711 Appendix B.3)', () => {
  const key = CM_MASTER.subarray(0, 16);
  const salt = CM_MASTER.subarray(16);
  it('derives the cipher key, cipher salt and authentication key of the RFC', () => {
    expect(deriveSessionKey(key, salt, 0, 16).toString('hex')).toBe('c61e7a93744f39ee10734afe3ff7a087');
    expect(deriveSessionKey(key, salt, 2, 14).toString('hex')).toBe('30cbbc08863d8c85d49db34a9ae1');
    expect(deriveSessionKey(key, salt, 1, 94).toString('hex')).toBe(
      'cebe321f6ff7716b6fd4ab49af256a156d38baa48f0a0acf3c34e2359e6cdbce' +
        'e049646c43d9327ad175578ef72270986371c10c9a369ac2f94a8c5fbcdddc25' +
        '6d6e919a48b610ef17c2041e474035766b68642c59bbfc2f34db60dbdfb2',
    );
  });
});

describe('key derivation from a 12-byte AEAD master salt (RFC 7714 §11: padded to 14 bytes)', () => {
  // No RFC vector covers this; the figures are libsrtp's GCM test material (master key 00..0f / 00..1f, salt a0..ab)
  // as another implementation's tests give them, computed with openssl's AES-CTR.
  const salt = hex('a0a1a2a3a4a5a6a7a8a9aaab');
  it('AES-128 master key', () => {
    const key = hex('000102030405060708090a0b0c0d0e0f');
    expect(deriveSessionKey(key, salt, 0, 16).toString('hex')).toBe('077c6143cb221bc355ff23d5f984a16e');
    expect(deriveSessionKey(key, salt, 2, 12).toString('hex')).toBe('9af3e95364ebac9c99c5a7c4');
    expect(deriveSessionKey(key, salt, 3, 16).toString('hex')).toBe('615dcd9042600666f6fd4d9e4fe4519f');
    expect(deriveSessionKey(key, salt, 5, 12).toString('hex')).toBe('fcca937b9112a500dac72269');
  });
  it('AES-256 master key', () => {
    const key = hex('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f');
    expect(deriveSessionKey(key, salt, 0, 32).toString('hex')).toBe(
      'b7a435ce454463b760dc82c838468a115c699625af4b93a0f8220a2a6119c5d0',
    );
    expect(deriveSessionKey(key, salt, 2, 12).toString('hex')).toBe('944bd21c268a962cd09c674a');
    expect(deriveSessionKey(key, salt, 3, 32).toString('hex')).toBe(
      '3c90f52a0a13ff8a853397cadc245b9eac76b36edb4a6062bf624aa1174eebf2',
    );
    expect(deriveSessionKey(key, salt, 5, 12).toString('hex')).toBe('258c540cf38ddd40848ceaed');
  });
});

describe('AES-CM keystream (RFC 3711 Appendix B.2)', () => {
  it('matches the keystream blocks of the RFC for session key 2B7E… and salt F0F1…FCFD', () => {
    const key = hex('2B7E151628AED2A6ABF7158809CF4F3C');
    const salt = hex('F0F1F2F3F4F5F6F7F8F9FAFBFCFD');
    const stream = aesCmKeystream(key, salt, 0, 0, 0xff02 * 16);
    expect(stream.subarray(0, 48).toString('hex')).toBe(
      'e03ead0935c95e80e166b16dd92b4eb4' +
        'd23513162b02d0f72a43a2fe4a5f97ab' +
        '41e95b3bb0a2e8dd477901e4fca894c0',
    );
    expect(stream.subarray(0xfeff * 16, 0xff00 * 16).toString('hex')).toBe(
      'ec8cdf7398607cb0f2d21675ea9ea1e4',
    );
    expect(stream.subarray(0xff00 * 16, 0xff01 * 16).toString('hex')).toBe(
      '362b7c3c6773516318a077d7fc5073ae',
    );
    expect(stream.subarray(0xff01 * 16, 0xff02 * 16).toString('hex')).toBe(
      '6a2cc3787889374fbeb4c81b17ba6c44',
    );
  });
});

describe('AES_CM_128_HMAC_SHA1_80 packets (libsrtp srtp_validate, RFC 3711 B.3 master key)', () => {
  const plainRtp = hex('800f1234 decafbad cafebabe abababab abababab abababab abababab');
  const srtp = hex('800f1234 decafbad cafebabe 4e55dc4c e79978d8 8ca4d215 949d2402 b78d6acc 99ea179b 8dbb');
  const plainRtcp = hex('81c8000b cafebabe abababab abababab abababab abababab');
  const srtcp = hex('81c8000b cafebabe 7128035b e487b9bd bef89041 f977a5a8 80000001 993e08cd 54d6c123 0798');
  const material = { suite: 'AES_CM_128_HMAC_SHA1_80' as const, keySalt: CM_MASTER };

  it('encrypts and decrypts the reference SRTP packet', () => {
    expect(new SrtpContext(material).protectRtp(plainRtp).toString('hex')).toBe(srtp.toString('hex'));
    const receiver = new SrtpContext(material);
    const data = Buffer.from(srtp);
    const length = receiver.unprotectRtp(data);
    expect(data.subarray(0, length).toString('hex')).toBe(plainRtp.toString('hex'));
    expect(receiver.stats.rtpOk).toBe(1);
  });

  it('encrypts and decrypts the reference SRTCP packet (index 1)', () => {
    expect(new SrtpContext(material).protectRtcp(plainRtcp, 1).toString('hex')).toBe(srtcp.toString('hex'));
    const data = Buffer.from(srtcp);
    const receiver = new SrtpContext(material);
    const length = receiver.unprotectRtcp(data);
    expect(data.subarray(0, length).toString('hex')).toBe(plainRtcp.toString('hex'));
  });

  it('drops truncated and tampered packets, counted as authentication failures', () => {
    const receiver = new SrtpContext(material);
    for (let cut = 1; cut <= 6; cut++)
      expect(receiver.unprotectRtp(Buffer.from(srtp.subarray(0, -cut)))).toBeLessThan(0);
    const tampered = Buffer.from(srtp);
    tampered[14]! ^= 1;
    expect(receiver.unprotectRtp(tampered)).toBe(SRTP_AUTH_FAILED);
    const badRtcp = Buffer.from(srtcp);
    badRtcp[9]! ^= 0x80;
    expect(receiver.unprotectRtcp(badRtcp)).toBe(SRTP_AUTH_FAILED);
    expect(receiver.stats.authFailures).toBeGreaterThanOrEqual(2);
    expect(receiver.stats.rtpOk).toBe(0);
    // The untouched packet still decrypts afterwards, and a second copy is a replay.
    expect(receiver.unprotectRtp(Buffer.from(srtp))).toBe(plainRtp.length);
    expect(receiver.unprotectRtp(Buffer.from(srtp))).toBe(SRTP_REPLAYED);
    expect(receiver.stats.replayed).toBe(1);
  });
});

describe('AEAD_AES_128_GCM and AEAD_AES_256_GCM (RFC 7714 §16, §17)', () => {
  // The RFC's examples give the session key and salt; the contexts here derive them from a master key, so the
  // vectors drive a context whose derived keys are replaced by the RFC's.
  const plainRtp = hex(
    '8040f17b 8041f8d3 5501a0b2 47616c6c 69612065 7374206f 6d6e6973 20646976 69736120 696e2070 61727465 73207472 6573',
  );
  const plainRtcp = hex(
    '81c8000d 4d617273 4e545031 4e545032 52545020 0000042a 0000e930 4c756e61 deadbeef deadbeef deadbeef deadbeef deadbeef',
  );
  const salt = hex('517569642070726f2071756f');
  const cases = [
    {
      suite: 'AEAD_AES_128_GCM' as const,
      key: hex('000102030405060708090a0b0c0d0e0f'),
      rtp: '8040f17b 8041f8d3 5501a0b2 f24de3a3 fb34de6c acba861c 9d7e4bca be633bd5 0d294e6f 42a5f47a 51c7d19b 36de3adf 8833899d 7f27beb1 6a9152cf 765ee439 0cce',
      rtcp: '81c8000d 4d617273 63e94885 dcdab67c a727d766 2f6b7e99 7ff5c0f7 6c06f32d c676a5f1 730d6fda 4ce09b46 86303ded 0bb9275b c84aa458 96cf4d2f c5abf872 45d9eade 800005d4',
      rtcpTagOnly:
        '81c8000d 4d617273 4e545031 4e545032 52545020 0000042a 0000e930 4c756e61 deadbeef deadbeef deadbeef deadbeef deadbeef 841dd968 3dd78ec9 2ae58790 125f62b3 000005d4',
    },
    {
      suite: 'AEAD_AES_256_GCM' as const,
      key: hex('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f'),
      rtp: '8040f17b 8041f8d3 5501a0b2 32b1de78 a822fe12 ef9f78fa 332e33aa b1801238 9a58e2f3 b50b2a02 76ffae0f 1ba63799 b87b7aa3 db36dfff d6b0f9bb 7878d7a7 6c13',
      rtcp: '81c8000d 4d617273 d50ae4d1 f5ce5d30 4ba297e4 7d470c28 2c3ece5d bffe0a50 a2eaa5c1 110555be 8415f658 c61de047 6f1b6fad 1d1eb30c 4446839f 57ff6f6c b26ac3be 800005d4',
      rtcpTagOnly:
        '81c8000d 4d617273 4e545031 4e545032 52545020 0000042a 0000e930 4c756e61 deadbeef deadbeef deadbeef deadbeef deadbeef 91db4afb feee5a97 8fab4393 ed2615fe 000005d4',
    },
  ];

  /** A context whose session keys are the RFC's (its examples start after key derivation). */
  function rfcContext(suite: SrtpSuite, key: Buffer): SrtpContext {
    const context = new SrtpContext({ suite, keySalt: keyFor(suite, 1) });
    return withSessionKeys(context, key, salt);
  }

  for (const c of cases) {
    it(`${c.suite}: SRTP packet of §16 (encrypt, decrypt, tamper)`, () => {
      expect(rfcContext(c.suite, c.key).protectRtp(plainRtp, 0).toString('hex')).toBe(
        hex(c.rtp).toString('hex'),
      );
      const receiver = rfcContext(c.suite, c.key);
      const data = hex(c.rtp);
      const length = receiver.unprotectRtp(data);
      expect(data.subarray(0, length).toString('hex')).toBe(plainRtp.toString('hex'));
      const tampered = hex(c.rtp);
      tampered[tampered.length - 1]! ^= 1;
      expect(rfcContext(c.suite, c.key).unprotectRtp(tampered)).toBe(SRTP_AUTH_FAILED);
    });

    it(`${c.suite}: SRTCP packets of §17 (encrypted and authenticated only)`, () => {
      expect(rfcContext(c.suite, c.key).protectRtcp(plainRtcp, 0x5d4).toString('hex')).toBe(
        hex(c.rtcp).toString('hex'),
      );
      expect(rfcContext(c.suite, c.key).protectRtcp(plainRtcp, 0x5d4, false).toString('hex')).toBe(
        hex(c.rtcpTagOnly).toString('hex'),
      );
      for (const packet of [c.rtcp, c.rtcpTagOnly]) {
        const data = hex(packet);
        const length = rfcContext(c.suite, c.key).unprotectRtcp(data);
        expect(data.subarray(0, length).toString('hex')).toBe(plainRtcp.toString('hex'));
      }
      const tampered = hex(c.rtcp);
      tampered[tampered.length - 1]! ^= 1; // the index is authenticated too
      expect(rfcContext(c.suite, c.key).unprotectRtcp(tampered)).toBe(SRTP_AUTH_FAILED);
    });
  }
});

describe('SRTP round trips', () => {
  for (const suite of SRTP_SUITES) {
    it(`${suite}: a stream across the sequence wrap keeps its roll-over counter, reordered and lost packets included`, () => {
      const sender = new SrtpContext({ suite, keySalt: keyFor(suite, 2) });
      const receiver = new SrtpContext({ suite, keySalt: keyFor(suite, 2) });
      const ssrc = 0x11223344;
      const sent: { seq: number; plain: Buffer; wire: Buffer }[] = [];
      for (let n = 0; n < 40; n++) {
        const seq = (65520 + n) & 0xffff;
        const plain = rtp(seq, ssrc, Buffer.alloc(160, n));
        sent.push({ seq, plain, wire: sender.protectRtp(plain) });
      }
      // Swap two packets around the wrap and lose one.
      const order = sent.map((_, i) => i).filter((i) => i !== 20);
      [order[14], order[15]] = [order[15]!, order[14]!];
      for (const i of order) {
        const data = Buffer.from(sent[i]!.wire);
        const length = receiver.unprotectRtp(data);
        expect(length, `packet ${i}`).toBe(sent[i]!.plain.length);
        expect(data.subarray(0, length).equals(sent[i]!.plain)).toBe(true);
      }
      expect(receiver.stats.rtpOk).toBe(39);
      expect(receiver.stats.authFailures).toBe(0);
      // A second sender whose ROC is one ahead cannot be taken for this one.
      const wrong = new SrtpContext({ suite, keySalt: keyFor(suite, 3) }).protectRtp(
        rtp(30, ssrc, Buffer.alloc(160)),
      );
      expect(receiver.unprotectRtp(wrong)).toBe(SRTP_AUTH_FAILED);
    });

    it(`${suite}: SRTCP round trip, tamper detection`, () => {
      const sender = new SrtpContext({ suite, keySalt: keyFor(suite, 4) });
      const receiver = new SrtpContext({ suite, keySalt: keyFor(suite, 4) });
      const report = hex('81c80006 cafebabe 00000001 00000002 00000003 00000004 00000005');
      for (let i = 0; i < 3; i++) {
        const data = sender.protectRtcp(report);
        const length = receiver.unprotectRtcp(data);
        expect(data.subarray(0, length).equals(report)).toBe(true);
      }
      const bad = sender.protectRtcp(report);
      bad[10]! ^= 4;
      expect(receiver.unprotectRtcp(bad)).toBe(SRTP_AUTH_FAILED);
      expect(receiver.stats).toMatchObject({ rtcpOk: 3, authFailures: 1 });
    });
  }

  it('finds the roll-over counter of a stream met after it wrapped (a capture started mid-call), within bounds', () => {
    for (const suite of ['AES_CM_128_HMAC_SHA1_80', 'AEAD_AES_128_GCM'] as const) {
      const sender = new SrtpContext({ suite, keySalt: keyFor(suite, 6) });
      const receiver = new SrtpContext({ suite, keySalt: keyFor(suite, 6) });
      for (let n = 0; n < 5; n++) {
        const plain = rtp(65534 + n, 7, Buffer.alloc(40, n));
        const data = sender.protectRtp(plain, n < 2 ? 3 : 4);
        expect(receiver.unprotectRtp(data), `${suite} packet ${n}`).toBe(plain.length);
        expect(data.subarray(0, plain.length).equals(plain)).toBe(true);
      }
      // Eight wraps or more: not found, and each packet counted as an authentication failure.
      const far = sender.protectRtp(rtp(100, 8, Buffer.alloc(40)), 8);
      expect(receiver.unprotectRtp(far)).toBe(SRTP_AUTH_FAILED);
    }
  });

  it('keeps no state for SSRCs that never authenticate beyond a bound, and still decrypts its stream', () => {
    const suite = 'AES_CM_128_HMAC_SHA1_80';
    const sender = new SrtpContext({ suite, keySalt: keyFor(suite, 8) });
    const receiver = new SrtpContext({ suite, keySalt: keyFor(suite, 8) });
    const good = rtp(10, 42, Buffer.alloc(20));
    expect(receiver.unprotectRtp(sender.protectRtp(good))).toBe(good.length);
    const forger = new SrtpContext({ suite, keySalt: keyFor(suite, 9) });
    for (let ssrc = 1000; ssrc < 2000; ssrc++) {
      expect(receiver.unprotectRtp(forger.protectRtp(rtp(1, ssrc, Buffer.alloc(20))))).toBe(SRTP_AUTH_FAILED);
    }
    expect((receiver as unknown as { states: Map<number, unknown> }).states.size).toBeLessThanOrEqual(256);
    const next = rtp(11, 42, Buffer.alloc(20, 1));
    expect(receiver.unprotectRtp(sender.protectRtp(next))).toBe(next.length);
  });

  it('keeps one roll-over counter per SSRC', () => {
    const suite = 'AES_CM_128_HMAC_SHA1_32';
    const sender = new SrtpContext({ suite, keySalt: keyFor(suite, 5) });
    const receiver = new SrtpContext({ suite, keySalt: keyFor(suite, 5) });
    for (let n = 0; n < 10; n++) {
      for (const [ssrc, base] of [
        [1, 65530],
        [2, 100],
      ] as const) {
        const plain = rtp((base + n) & 0xffff, ssrc, Buffer.alloc(20, n));
        const data = sender.protectRtp(plain);
        expect(receiver.unprotectRtp(data)).toBe(plain.length);
      }
    }
    expect(receiver.stats.rtpOk).toBe(20);
  });
});

/** Replaces the derived RTP and RTCP session keys of a GCM context (the RFC 7714 examples give session keys). */
function withSessionKeys(context: SrtpContext, key: Buffer, salt: Buffer): SrtpContext {
  const inner = context as unknown as { rtp: SessionKeysShape; rtcp: SessionKeysShape };
  for (const keys of [inner.rtp, inner.rtcp]) {
    keys.cipherKey = key;
    keys.cipherKeyObject = createSecretKey(key);
    keys.salt = salt;
  }
  return context;
}

interface SessionKeysShape {
  cipherKey: Buffer;
  cipherKeyObject: KeyObject;
  salt: Buffer;
}
