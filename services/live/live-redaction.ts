import { redactLiveLines, type Language } from '../analytics/index.ts';
import { callLanguage } from '../../models/language.ts';
import type { LiveLineRedactor } from './live.service.ts';

const LANGUAGES: readonly Language[] = ['es', 'en'];

/**
 * The live transcript's redaction (LiveService's `redact`): the analytics' PII detector on the lines so far, in the
 * call's language; a call whose language is not known yet (or not one the detectors read) is read with the rules of
 * every language they know, so nothing is shown that either would hide.
 */
export const redactLiveTranscript: LiveLineRedactor = (lines, language) => {
  const code = callLanguage(language);
  const known = LANGUAGES.find((l) => l === code);
  if (known) return redactLiveLines(lines, known);
  return LANGUAGES.reduce((shown, l) => redactLiveLines(shown, l), [...lines]);
};
