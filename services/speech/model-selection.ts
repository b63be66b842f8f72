import { EscuchaError } from '../platform/errors.ts';
import {
  FIXTURE_LABEL,
  FIXTURE_MODEL,
  findModel,
  suggestedModel,
  supportsLanguage,
} from './model-manifest.ts';
import type { ModelStore } from './model-store.ts';

/** ESCUCHA_ASR_MODEL: one model name for every language, or per language `es=nemo-ctc-es,en=zipformer-en`. */
export interface AsrModelSpec {
  default: string | null;
  byLanguage: Readonly<Record<string, string>>;
}

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
    if (!findModel(name)) {
      throw new EscuchaError(
        'CONFIG_INVALID',
        `ESCUCHA_ASR_MODEL: unknown model "${name}" (see escucha models list)`,
      );
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

export type ModelChoice = { ok: true; name: string } | { ok: false; reason: string; suggestion: string };

export const NO_MODEL_PREFIX = 'no ASR model installed — run escucha models fetch';

/**
 * The model for a language: the configured one when installed; without configuration, the first installed real
 * model (never the test fixture) that speaks the language.
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
      const suggestion = suggestedModel(language);
      return {
        ok: false,
        suggestion,
        reason: `${NO_MODEL_PREFIX} ${suggestion} (ESCUCHA_ASR_MODEL selects the ${FIXTURE_LABEL} model, but ${store.fixtureDir} has no trained model)`,
      };
    }
    return {
      ok: false,
      suggestion: configured,
      reason: `${NO_MODEL_PREFIX} ${configured} (selected by ESCUCHA_ASR_MODEL)`,
    };
  }
  const installed = new Set(await store.installed());
  for (const entry of store.entries()) {
    if (entry.testOnly || !installed.has(entry.name)) continue;
    if (!language || supportsLanguage(entry, language)) return { ok: true, name: entry.name };
  }
  const suggestion = suggestedModel(language);
  return {
    ok: false,
    suggestion,
    reason: `${NO_MODEL_PREFIX} ${suggestion}${language ? ` (for language ${language})` : ''}`,
  };
}
