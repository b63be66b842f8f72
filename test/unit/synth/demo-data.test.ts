import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEMO_DATA_DIR, demoStartedAt, loadDemoManifest } from '../../../services/cli/demo.command.ts';
import { isSpeechTurn, loadCallScript, type CallScript } from '../../../services/cli/call-script.ts';
import type { ReferenceTranscript } from '../../../services/cli/call-script.ts';
import { chooseProfile, detectDisclosure, prepareTranscript } from '../../../services/analytics/index.ts';
import { createBuiltInPhrases } from '../../../services/analytics/built-in-phrases.ts';

const VOCABULARY = path.resolve('test/fixtures/asr-model/vocabulary.txt');
/**
 * Words the legal notices need that the fixture model never learnt (the law's own names for them): with the
 * fixture model those notices read wrong, so those calls' disclosure is judged on the reference transcripts.
 */
const LEGAL_WORDS = ['ley', 'aviso', 'privacidad', 'derecho', 'ejercer', 'oposición'];

/** A line as the fixture model spells it (its training labels): lower case, letters and apostrophes only. */
const words = (text: string) =>
  text
    .toLowerCase()
    .replace(/-/g, ' ')
    .replace(/[^a-záéíóúüñ' ]+/g, ' ')
    .split(/\s+/)
    .filter(Boolean);

async function demoCalls(): Promise<{ id: string; script: CallScript; reference: ReferenceTranscript }[]> {
  const manifest = await loadDemoManifest();
  return Promise.all(
    manifest.calls.map(async ({ id }) => ({
      id,
      script: await loadCallScript(path.join(DEMO_DATA_DIR, `${id}.json`)),
      reference: JSON.parse(
        await readFile(path.join(DEMO_DATA_DIR, `${id}.transcript.json`), 'utf8'),
      ) as ReferenceTranscript,
    })),
  );
}

const agentText = (s: CallScript) =>
  s.turns
    .filter(isSpeechTurn)
    .filter((t) => t.party === 'agent')
    .map((t) => t.text)
    .join(' ');

describe('demo data', () => {
  it('ships 5 to 10 rendered calls with their scripts and reference transcripts, under 1.5 MB', async () => {
    const calls = await demoCalls();
    expect(calls.length).toBeGreaterThanOrEqual(5);
    expect(calls.length).toBeLessThanOrEqual(10);
    let total = 0;
    for (const name of await readdir(DEMO_DATA_DIR))
      total += (await stat(path.join(DEMO_DATA_DIR, name))).size;
    expect(total).toBeLessThan(1.5 * 1024 * 1024);
    for (const { id, script, reference } of calls) {
      const ogg = await readFile(path.join(DEMO_DATA_DIR, `${id}.ogg`));
      expect(ogg.toString('ascii', 0, 4)).toBe('OggS');
      expect(ogg.includes(Buffer.from('OpusHead'))).toBe(true);
      // The transcript is the rendering of this script: the same lines, in order, at increasing times.
      const lines = script.turns.filter(isSpeechTurn);
      expect(reference.language).toBe(script.language);
      expect(reference.segments.map((s) => [s.party, s.text])).toEqual(lines.map((t) => [t.party, t.text]));
      let last = 0;
      for (const s of reference.segments) {
        expect(s.startMs).toBeGreaterThanOrEqual(last);
        expect(s.endMs).toBeGreaterThan(s.startMs);
        last = s.endMs;
      }
      expect(last).toBeLessThan(reference.durationMs);
      expect(reference.dtmf.map((d) => d.digit).join('')).toBe(
        script.turns.map((t) => ('dtmf' in t ? t.dtmf : '')).join(''),
      );
    }
  });

  it('speaks only words the fixture ASR model knows, so its transcripts can be checked', async () => {
    const known = new Set([
      ...(await readFile(VOCABULARY, 'utf8')).split('\n').map((w) => w.trim()),
      ...LEGAL_WORDS,
    ]);
    const unknown = new Set<string>();
    for (const { script } of await demoCalls()) {
      for (const t of script.turns.filter(isSpeechTurn))
        for (const w of words(t.text)) if (!known.has(w)) unknown.add(w);
    }
    expect([...unknown]).toEqual([]);
  });

  it('covers the scenarios the demo shows', async () => {
    const calls = await demoCalls();
    const meta = calls.map((c) => c.script.metadata!);
    expect(new Set(meta.map((m) => m.externalId)).size).toBe(calls.length);
    expect(meta.every((m) => m.externalId?.startsWith('escucha-demo-'))).toBe(true);
    const dispositions = new Set(meta.map((m) => m.disposition));
    for (const d of ['PTP', 'NO_ANSWER', 'THIRD_PARTY']) expect(dispositions).toContain(d);
    expect(new Set(meta.map((m) => m.currency))).toEqual(new Set(['COP', 'MXN', 'EUR', 'USD']));
    expect(new Set(meta.map((m) => m.country))).toEqual(new Set(['CO', 'MX', 'ES', 'US']));
    expect(meta.some((m) => m.agentId === 'A0042')).toBe(true);

    const english = calls.filter((c) => c.script.language === 'en');
    expect(english.map((c) => c.id)).toEqual(['us-fdcpa-sarah', 'us-no-miranda-james']);
    expect(agentText(english[0]!.script)).toMatch(/this is an attempt to collect a debt/);
    expect(agentText(english[0]!.script)).toMatch(/this call is being recorded/);
    expect(agentText(english[1]!.script)).not.toMatch(/attempt to collect/);

    const disclosed = (s: CallScript) =>
      /llamada está siendo grabada|conversación será grabada|call is being recorded/.test(agentText(s));
    const without = calls.filter((c) => !disclosed(c.script));
    expect(without.map((c) => c.id)).toEqual(['mx-no-disclosure-miguel']);
    expect(
      calls.some((c) =>
        agentText(c.script).includes('esta llamada está siendo grabada y monitoreada por calidad'),
      ),
    ).toBe(true);

    const card = calls
      .flatMap((c) => c.script.turns.filter(isSpeechTurn).map((t) => t.text))
      .find((t) => t.includes('tarjeta es'));
    expect(card && words(card.split('tarjeta es')[1]!).length).toBe(16);
    expect(calls.some((c) => c.reference.dtmf.length > 0)).toBe(true);
  });
});

describe(demoStartedAt.name, () => {
  it("counts days back in the call's own time zone", () => {
    const now = new Date('2026-03-05T03:00:00Z'); // 22:00 on the 4th in Bogotá
    expect(
      demoStartedAt({ id: 'x', daysAgo: 1, localTime: '10:15:02', utcOffset: '-05:00' }, now).toISOString(),
    ).toBe('2026-03-03T15:15:02.000Z');
    expect(
      demoStartedAt({ id: 'x', daysAgo: 0, localTime: '09:00:00', utcOffset: '+01:00' }, now).toISOString(),
    ).toBe('2026-03-05T08:00:00.000Z');
  });

  it("judges each country's calls against its own law, with calls that pass and calls that fail", async () => {
    const phrases = createBuiltInPhrases();
    const outcomes: Record<string, Record<string, string>> = {};
    for (const { id, script, reference } of await demoCalls()) {
      const m = script.metadata!;
      const profile = chooseProfile(
        { campaign: m.campaign ?? null, country: m.country ?? null, region: m.region ?? null },
        { byCampaign: {}, defaultProfile: null, regionCountries: {} },
      );
      expect(profile, id).toBe(m.country!.toLowerCase());
      const r = detectDisclosure(phrases, prepareTranscript(reference.segments, reference.language), profile);
      (outcomes[m.country!] ??= {})[id] = r.outcome;
    }
    for (const country of ['CO', 'MX', 'ES', 'US']) {
      const seen = Object.values(outcomes[country]!);
      expect(seen, country).toContain('disclosed');
      expect(
        seen.some((o) => o !== 'disclosed'),
        country,
      ).toBe(true);
    }
    expect(outcomes.ES!['es-late-notice-diego']).toBe('late');
    expect(outcomes.MX!['mx-no-disclosure-miguel']).toBe('missing');
  });
});
