import { EscuchaError } from '../platform/errors.ts';
import { DEFAULT_ASR_MODEL, FIXTURE_LABEL, FIXTURE_MODEL, supportsLanguage } from './model-manifest.ts';
import type { ModelStore } from './model-store.ts';

/** ESCUCHA_ASR_MODEL: one model name for every language, or per language `es=whisper-small,en=whisper-base`. */
export interface AsrModelSpec {
  default: string | null;
  byLanguage: Readonly<Record<string, string>>;
}

/** Parses ESCUCHA_ASR_MODEL; whether the names exist is checked against the model store (`checkAsrModelSpec`). */
export function parseAsrModelSpec(value: string | null | undefined): AsrModelSpec {
  const text = (value ?? '').trim();
  if (!text) return { default: null, byLanguage: {} };
  const byLanguage: Record<string, string> = {};
  let def: string | null = null;
  for (const part of text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const eq = part.indexOf('=');
    const name = (eq >= 0 ? part.slice(eq + 1) : part).trim();
    if (!/^[a-z0-9][a-z0-9.-]*$/.test(name)) {
      throw new EscuchaError('CONFIG_INVALID', `ESCUCHA_ASR_MODEL: "${name}" is not a model name`);
    }
    if (eq >= 0) {
      const lang = part.slice(0, eq).trim().toLowerCase();
      if (!/^[a-z]{2,3}$/.test(lang))
        throw new EscuchaError('CONFIG_INVALID', `ESCUCHA_ASR_MODEL: "${lang}" is not a language code`);
      byLanguage[lang] = name;
    } else {
      if (def)
        throw new EscuchaError(
          'CONFIG_INVALID',
          'ESCUCHA_ASR_MODEL: give one model, or language=model pairs',
        );
      def = name;
    }
  }
  return { default: def, byLanguage };
}

/** Every model ESCUCHA_ASR_MODEL names must be one the store knows (the manifest or a registered folder). */
export async function checkAsrModelSpec(spec: AsrModelSpec, store: ModelStore): Promise<void> {
  const known = new Set((await store.entries()).map((e) => e.name));
  for (const name of [spec.default, ...Object.values(spec.byLanguage)]) {
    if (name && !known.has(name)) {
      throw new EscuchaError(
        'CONFIG_INVALID',
        `ESCUCHA_ASR_MODEL: unknown model "${name}" (see escucha models list; escucha models add registers a Whisper export)`,
      );
    }
  }
}

export function usesFixture(spec: AsrModelSpec): boolean {
  return spec.default === FIXTURE_MODEL || Object.values(spec.byLanguage).includes(FIXTURE_MODEL);
}

export type ModelChoice = { ok: true; name: string } | { ok: false; reason: string; suggestion: string };

export const NO_MODEL_PREFIX = 'no ASR model installed — run escucha models fetch';

/**
 * The model for a language: the configured one when installed; without configuration, the default model
 * (DEFAULT_ASR_MODEL, installed by npm ci), else the first installed real model (never the test fixture) that speaks
 * the language.
 */
export async function chooseModel(
  spec: AsrModelSpec,
  language: string | null,
  store: ModelStore,
): Promise<ModelChoice> {
  const configured = (language ? spec.byLanguage[language] : undefined) ?? spec.default;
  if (configured) {
    if (await store.isInstalled(configured)) return { ok: true, name: configured };
    if (configured === FIXTURE_MODEL) {
      return {
        ok: false,
        suggestion: DEFAULT_ASR_MODEL,
        reason: `${NO_MODEL_PREFIX} ${DEFAULT_ASR_MODEL} (ESCUCHA_ASR_MODEL selects the ${FIXTURE_LABEL} model, but ${store.fixtureDir} has no trained model)`,
      };
    }
    return {
      ok: false,
      suggestion: configured,
      reason: `${NO_MODEL_PREFIX} ${configured} (selected by ESCUCHA_ASR_MODEL)`,
    };
  }
  const installed = new Set(await store.installed());
  const entries = await store.entries();
  const candidates = [
    ...entries.filter((e) => e.name === DEFAULT_ASR_MODEL),
    ...entries.filter((e) => e.name !== DEFAULT_ASR_MODEL),
  ];
  for (const entry of candidates) {
    if (entry.testOnly || !installed.has(entry.name)) continue;
    if (!language || supportsLanguage(entry, language)) return { ok: true, name: entry.name };
  }
  return {
    ok: false,
    suggestion: DEFAULT_ASR_MODEL,
    reason: `${NO_MODEL_PREFIX} ${DEFAULT_ASR_MODEL}${language ? ` (for language ${language})` : ''}`,
  };
}
