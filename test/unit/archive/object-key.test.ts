import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isEscuchaError } from '../../../services/platform/errors.ts';
import {
  assertSafeObjectKey,
  buildObjectKey,
  KEY_PART_MAX,
  recordingObjectKey,
  sanitizeKeyPart,
} from '../../../services/archive/object-key.ts';

const callId = '0b0c8f3e-6a1d-4c52-9e0f-2f4b9d1a7c33';
const startedAt = new Date('2026-11-23T10:15:02.789Z');

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return isEscuchaError(error) ? error.code : 'not-escucha';
  }
  return undefined;
}

describe(buildObjectKey.name, () => {
  it('builds a UTC date path, the call id and readable metadata when every part is given', () => {
    const key = buildObjectKey({
      callId,
      startedAt,
      agentId: 'agent-007',
      number: '+34600123456',
      disposition: 'PTP',
      extension: 'ogg',
    });
    expect(key).toBe(`2026/11/23/${callId}/20261123T101502Z_agent-007_+34600123456_PTP.ogg`);
  });

  it('uses the UTC day, not the local one, when the call starts near midnight', () => {
    const key = buildObjectKey({
      callId,
      startedAt: new Date('2026-12-31T23:59:59-05:00'),
      extension: 'flac',
    });
    expect(key).toBe(`2027/01/01/${callId}/20270101T045959Z_na_na_na.flac`);
  });

  it('writes na for missing parts and adds _redacted before the extension for redacted objects', () => {
    const key = buildObjectKey({ callId, startedAt, agentId: null, extension: '.OGG', kind: 'redacted' });
    expect(key).toBe(`2026/11/23/${callId}/20261123T101502Z_na_na_na_redacted.ogg`);
  });

  it('folds accents and replaces separators when metadata is Spanish free text', () => {
    const key = buildObjectKey({
      callId,
      startedAt,
      agentId: 'María Peña',
      number: '+34 600 12-34 56',
      disposition: 'Promesa de pago (parcial)',
      extension: 'ogg',
    });
    expect(key).toBe(
      `2026/11/23/${callId}/20261123T101502Z_Maria-Pena_+34-600-12-34-56_Promesa-de-pago-parcial.ogg`,
    );
  });

  it('keeps hostile metadata inside its own segment when parts contain paths, NUL or separators', () => {
    const key = buildObjectKey({
      callId,
      startedAt,
      agentId: '../../etc/passwd',
      number: 'a\0b\\c/d',
      disposition: '_x_y_.ogg/..',
      extension: 'ogg',
    });
    expect(key).toBe(`2026/11/23/${callId}/20261123T101502Z_etc-passwd_a-b-c-d_x-y-ogg.ogg`);
    expect(key.split('/')).toHaveLength(5);
    expect(() => assertSafeObjectKey(key)).not.toThrow();
  });

  it('lower-cases the call id and refuses a call id that is not a UUID', () => {
    expect(buildObjectKey({ callId: callId.toUpperCase(), startedAt, extension: 'ogg' })).toContain(
      `/${callId}/`,
    );
    for (const bad of ['', '../x', `${callId}/..`, 'not-a-uuid', `${callId}\0`]) {
      expect(codeOf(() => buildObjectKey({ callId: bad, startedAt, extension: 'ogg' }))).toBe('BAD_REQUEST');
    }
  });

  it('refuses an invalid date or an unsafe extension', () => {
    expect(codeOf(() => buildObjectKey({ callId, startedAt: new Date('nope'), extension: 'ogg' }))).toBe(
      'BAD_REQUEST',
    );
    for (const ext of ['', 'og/g', '../x', 'o g', 'verylongextension']) {
      expect(codeOf(() => buildObjectKey({ callId, startedAt, extension: ext }))).toBe('BAD_REQUEST');
    }
  });

  it('always yields a safe key whatever the metadata (property)', () => {
    fc.assert(
      fc.property(
        fc.option(fc.string({ unit: 'grapheme', maxLength: 200 })),
        fc.option(fc.string({ unit: 'binary', maxLength: 200 })),
        fc.option(fc.string({ maxLength: 200 })),
        fc.constantFrom<'original' | 'redacted'>('original', 'redacted'),
        (agentId, number, disposition, kind) => {
          const key = buildObjectKey({
            callId,
            startedAt,
            agentId,
            number,
            disposition,
            extension: 'ogg',
            kind,
          });
          assertSafeObjectKey(key);
          const file = key.split('/').pop()!;
          expect(key.split('/')).toHaveLength(5);
          expect(file).toMatch(
            /^20261123T101502Z_[A-Za-z0-9+-]{1,32}_[A-Za-z0-9+-]{1,32}_[A-Za-z0-9+-]{1,32}(_redacted)?\.ogg$/,
          );
        },
      ),
    );
  });
});

describe(sanitizeKeyPart.name, () => {
  it('folds accents and special letters when given Spanish and other European names', () => {
    expect(sanitizeKeyPart('Peña')).toBe('Pena');
    expect(sanitizeKeyPart('José Ángel Muñoz-Güell')).toBe('Jose-Angel-Munoz-Guell');
    expect(sanitizeKeyPart('Straße Øster Łódź')).toBe('Strasse-Oster-Lodz');
  });

  it('gives na when nothing usable is left', () => {
    expect(sanitizeKeyPart(undefined)).toBe('na');
    expect(sanitizeKeyPart(null)).toBe('na');
    expect(sanitizeKeyPart('')).toBe('na');
    expect(sanitizeKeyPart('../..')).toBe('na');
    expect(sanitizeKeyPart('电话 📞')).toBe('na');
  });

  it('truncates long values without leaving a trailing dash', () => {
    const long = sanitizeKeyPart('a'.repeat(31) + ' b' + 'c'.repeat(500));
    expect(long).toBe('a'.repeat(31));
    expect(sanitizeKeyPart('x'.repeat(10_000))).toHaveLength(KEY_PART_MAX);
  });
});

describe(assertSafeObjectKey.name, () => {
  it('accepts keys built by the server', () => {
    expect(() => assertSafeObjectKey(`2026/11/23/${callId}/20261123T101502Z_na_na_na.ogg`)).not.toThrow();
  });

  it('refuses absolute, relative, empty-segment, backslash, NUL and dot-leading keys', () => {
    const hostile = [
      '',
      '/etc/passwd',
      '../etc/passwd',
      'a/../../b',
      'a/./b',
      'a//b',
      'a/b/',
      'a\\b',
      'a\0b',
      '.incoming/x',
      'a/.meta/b',
      'C:/windows',
      'a b',
      'a\nb',
      'ü/x',
      'x'.repeat(1025),
    ];
    for (const key of hostile)
      expect(
        codeOf(() => assertSafeObjectKey(key)),
        JSON.stringify(key),
      ).toBe('BAD_REQUEST');
  });
});

describe(recordingObjectKey.name, () => {
  const base = {
    callId: '6f1c2a9e-3b7d-4e8a-9c0f-000000000001',
    startedAt: new Date('2026-11-23T10:15:02Z'),
    agentId: 'A7',
    callerNumber: '+573001112233',
    calleeNumber: '+5716000000',
    disposition: 'PTP',
  };

  it("names every copy of a call after the customer's number, whichever the direction", () => {
    const inbound = { ...base, direction: 'inbound' as const };
    const original = recordingObjectKey(inbound, 'ogg');
    const redacted = recordingObjectKey(inbound, 'ogg', 'redacted');
    expect(original).toBe(
      '2026/11/23/6f1c2a9e-3b7d-4e8a-9c0f-000000000001/20261123T101502Z_A7_+573001112233_PTP.ogg',
    );
    expect(redacted).toBe(original.replace('.ogg', '_redacted.ogg'));
    const outbound = { ...base, direction: 'outbound' as const };
    expect(recordingObjectKey(outbound, 'ogg', 'redacted')).toContain('_+5716000000_PTP_redacted.ogg');
    expect(recordingObjectKey({ ...base, direction: null }, 'ogg')).toContain('_+573001112233_');
    expect(recordingObjectKey({ ...base, callerNumber: null }, 'ogg')).toContain('_+5716000000_');
  });
});
