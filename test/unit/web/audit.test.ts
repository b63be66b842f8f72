import { describe, expect, it } from 'vitest';
import { callReadAction } from '../../../services/api/audit/call-access.middleware.ts';
import {
  canonicalRow,
  chainHash,
  GENESIS_HASH,
  normalizeDetails,
  type ChainedFields,
} from '../../../services/api/audit/audit-hash.ts';
import { csvField } from '../../../services/api/audit/audit.router.ts';
import { parseCookies, sessionCookie } from '../../../services/api/auth/cookies.ts';

const row: ChainedFields = {
  id: '7',
  at: new Date('2026-11-23T10:00:00.123Z'),
  actorType: 'user',
  actorId: 'u1',
  actorName: 'laura',
  actorRole: 'qa_supervisor',
  action: 'listen',
  callId: 'c1',
  targetType: 'call',
  targetId: 'c1',
  clientIp: '10.0.0.1',
  userAgent: 'ua',
  details: { b: 1, a: { d: [2, { z: 1, y: 2 }], c: null } },
};

describe(canonicalRow.name, () => {
  it('gives the same bytes whatever the key order of the details', () => {
    const reordered = { ...row, details: { a: { c: null, d: [2, { y: 2, z: 1 }] }, b: 1 } };
    expect(canonicalRow(reordered)).toBe(canonicalRow(row));
    expect(canonicalRow(row)).toContain('"2026-11-23T10:00:00.123Z"');
  });
});

describe(chainHash.name, () => {
  it('changes when any field or the previous hash changes', () => {
    const h = chainHash(GENESIS_HASH, row);
    expect(h).toMatch(/^[0-9a-f]{64}$/);
    expect(chainHash('1'.repeat(64), row)).not.toBe(h);
    for (const [k, v] of Object.entries({
      id: '8',
      actorName: 'x',
      action: 'download',
      clientIp: null,
      details: { b: 2 },
    })) {
      expect(chainHash(GENESIS_HASH, { ...row, [k]: v }), k).not.toBe(h);
    }
  });
});

describe(normalizeDetails.name, () => {
  it('keeps what jsonb keeps: no undefined, no NUL, dates as strings', () => {
    expect(normalizeDetails({ a: undefined, b: 'x\u0000y', c: new Date('2026-01-01T00:00:00Z') })).toEqual({
      b: 'xy',
      c: '2026-01-01T00:00:00.000Z',
    });
    expect(normalizeDetails(undefined)).toEqual({});
  });
});

describe(csvField.name, () => {
  it('quotes what needs quoting and defuses spreadsheet formulas', () => {
    expect(csvField(null)).toBe('');
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvField({ kind: 'original' })).toBe('"{""kind"":""original""}"');
  });
});

describe(callReadAction.name, () => {
  it('names each read of a call and counts every response that carries audio as a listen', () => {
    expect(callReadAction('', {}, {}, false)?.action).toBe('view_call');
    expect(callReadAction('/audio', {}, {}, false)).toMatchObject({ action: 'listen', once: true });
    expect(callReadAction('/audio', {}, { range: 'bytes=0-' }, false)?.action).toBe('listen');
    for (const range of ['bytes=5000-', 'bytes=-99999999', 'bytes=00-', 'bytes=1-']) {
      expect(callReadAction('/audio', {}, { range }, false)).toMatchObject({
        action: 'listen',
        once: true,
        details: { kind: 'original', range },
      });
    }
    expect(callReadAction('/audio', {}, {}, true)?.action).toBe('listen_unredacted');
    expect(callReadAction('/audio', { kind: 'redacted' }, {}, true)?.action).toBe('listen');
    expect(callReadAction('/audio', { download: '1' }, {}, false)).toMatchObject({
      action: 'download',
      once: false,
    });
    expect(callReadAction('/audio', { download: '1' }, {}, true)?.action).toBe('download_unredacted');
    expect(callReadAction('/transcript', {}, {}, false)?.action).toBe('view_transcript');
    // A call with sensitive data: the original is an unredacted read, unless the role only gets the redacted copy.
    expect(callReadAction('/transcript', {}, {}, true)?.action).toBe('view_unredacted');
    expect(callReadAction('/transcript', { redacted: 'true' }, {}, true)?.action).toBe('view_transcript');
    expect(callReadAction('/transcript', {}, {}, true, true)?.action).toBe('view_transcript');
    expect(callReadAction('/audio', {}, {}, true, true)).toMatchObject({
      action: 'listen',
      details: { kind: 'redacted' },
    });
    expect(callReadAction('/analysis/', {}, {}, false)?.action).toBe('view_analysis');
  });
});

describe(parseCookies.name, () => {
  it('reads cookies, keeping the first of a repeated name', () => {
    expect(parseCookies('a=1; escucha_session=abc%20d; a=2; bad')).toEqual({
      a: '1',
      escucha_session: 'abc d',
    });
    expect(parseCookies(undefined)).toEqual({});
  });
  it('builds an httpOnly SameSite=Lax cookie, Secure when asked', () => {
    expect(sessionCookie('s', 'v', { secure: false })).toBe('s=v; Path=/; HttpOnly; SameSite=Lax');
    expect(sessionCookie('s', '', { secure: true, maxAge: 0 })).toBe(
      's=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Secure',
    );
  });
});
