import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CALL_SOURCES, PARTICIPANT_ROLES, STAGE_STATUSES } from '../../../models/database.ts';
import { DISCLOSURE_PROFILES } from '../../../services/analytics/disclosure/disclosure.profiles.ts';
import { PII_TYPES } from '../../../services/analytics/pii/pii.detector.ts';
import { SENTIMENT_LABELS } from '../../../services/analytics/sentiment/types.ts';
import { STAGES } from '../../../services/analysis/stages.ts';
import { ERROR_HTTP_STATUS } from '../../../services/platform/errors.ts';
import { MESSAGES } from '../../../services/web/src/i18n.ts';

const SRC = path.resolve('services/web/src');

/**
 * Spanish values that are the same words in English: proper names, codes and symbols. Anything else equal in both
 * dictionaries is English left in the Spanish UI.
 */
const SAME_IN_BOTH = new Set([
  'appName', // Escucha
  'navWebhooks', // Webhooks (the word Spanish documentation uses)
  'whTitle', // Webhooks
  'whUrl', // URL
  'whError', // Error
  'no', // No
  'none', // —
  'scoreOf100', // {score} / 100
  'queueOf', // {kind} · {language}
  'recordingKind_original', // Original
  'profile_co', // Colombia
  'pii_CURP',
  'pii_RFC',
]);

async function sources(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await sources(p)));
    else if (/\.tsx?$/.test(entry.name)) out.push(p);
  }
  return out;
}

/** Every message key the UI's sources name literally: `t('key')`, `t(cond ? 'a' : 'b', …)`. */
async function keysUsed(): Promise<Map<string, string>> {
  const used = new Map<string, string>();
  for (const file of await sources(SRC)) {
    const text = await readFile(file, 'utf8');
    for (const call of text.matchAll(/\bt\(\s*((?:[^(),]|\([^()]*\))+?)\s*[,)]/g)) {
      // The keys are the literals the argument picks from; those it compares against (`x === 'start'`) are not.
      const argument = call[1]!.replace(/[!=]==?\s*'[^']*'|'[^']*'\s*[!=]==?/g, '');
      for (const literal of argument.matchAll(/'([A-Za-z][A-Za-z0-9_]*)'/g))
        used.set(literal[1]!, path.relative(SRC, file));
    }
  }
  return used;
}

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('the web UI dictionaries', () => {
  const en = MESSAGES.en as Record<string, string>;
  const es = MESSAGES.es as Record<string, string>;

  it('have the same keys in Spanish and English, none empty, with the same placeholders', () => {
    expect(Object.keys(es).filter((k) => !(k in en))).toEqual([]);
    expect(Object.keys(en).filter((k) => !(k in es))).toEqual([]);
    for (const [k, v] of Object.entries(en)) {
      expect(v.trim(), k).not.toBe('');
      expect(es[k]!.trim(), k).not.toBe('');
      expect(placeholders(es[k]!), k).toEqual(placeholders(v));
    }
  });

  it('leave no English in the Spanish UI', () => {
    const same = Object.keys(en).filter((k) => es[k] === en[k] && !SAME_IN_BOTH.has(k));
    expect(same).toEqual([]);
  });

  it('have every key the sources use', async () => {
    const used = await keysUsed();
    expect(used.size).toBeGreaterThan(200);
    const missing = [...used].filter(([k]) => !(k in en)).map(([k, file]) => `${k} (${file})`);
    expect(missing).toEqual([]);
  });

  it('name every error code, stage, status, source, party, disclosure element and sensitive-data kind the server sends', () => {
    const wanted = [
      ...Object.keys(ERROR_HTTP_STATUS).map((c) => `error_${c}`),
      ...STAGES.map((s) => `stage_${s}`),
      ...[...STAGE_STATUSES, 'not_queued'].map((s) => `stageStatus_${s}`),
      ...CALL_SOURCES.map((s) => `source_${s}`),
      ...PARTICIPANT_ROLES.map((r) => `party_${r}`),
      ...['disclosed', 'partial', 'missing', 'late'].map((o) => `outcome_${o}`),
      ...Object.keys(DISCLOSURE_PROFILES).map((p) => `profile_${p}`),
      ...Object.values(DISCLOSURE_PROFILES).flatMap((p) => p.elements.map((e) => `element_${e.id}`)),
      'element_recording_tone',
      ...PII_TYPES.map((p) => `pii_${p}`),
      ...SENTIMENT_LABELS.map((l) => `sentimentLabel_${l}`),
    ];
    expect(wanted.filter((k) => !(k in en))).toEqual([]);
  });
});
