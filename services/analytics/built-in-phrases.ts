import { scriptPhraseList } from './adherence/script.phrases.ts';
import { DEFAULT_SCRIPTS } from './adherence/default-scripts.ts';
import type { Script } from './adherence/script.schema.ts';
import { FORBIDDEN_PHRASE_LIST } from './collections/forbidden.phrases.ts';
import { PROMISE_PHRASE_LIST } from './collections/promise.phrases.ts';
import { CATEGORY_PHRASE_LIST } from './counts/keyword-categories.ts';
import { DISCLOSURE_PHRASE_LIST } from './disclosure/disclosure.phrases.ts';
import { PhraseRegistry } from './matching/phrase.registry.ts';
import type { Language } from './matching/transcript.types.ts';

/**
 * The one place that says which phrase lists are matched together in one scan of a call: the built-in scripts,
 * forbidden practices, promises to pay, the default keyword categories and the disclosure elements.
 */
export function createBuiltInPhrases(scripts: readonly Script[] = DEFAULT_SCRIPTS): PhraseRegistry {
  const phrases = new PhraseRegistry();
  for (const language of ['es', 'en'] as const satisfies readonly Language[]) {
    for (const script of scripts)
      if (script.language === language) phrases.addList(scriptPhraseList(script), language);
    for (const list of [
      FORBIDDEN_PHRASE_LIST,
      PROMISE_PHRASE_LIST,
      CATEGORY_PHRASE_LIST,
      DISCLOSURE_PHRASE_LIST,
    ]) {
      phrases.addList(list, language);
    }
  }
  return phrases;
}

let shared: PhraseRegistry | undefined;

/** The built-in lists of this process, compiled at the first call (never at import) and kept. */
export function builtInPhrases(): PhraseRegistry {
  shared ??= createBuiltInPhrases();
  return shared;
}
