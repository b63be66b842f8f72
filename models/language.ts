/**
 * The language of a call as Escucha keeps it: the ISO 639-1 code alone, lower case ("es-CO" and "ES" are "es"), so
 * that search, model choice, stemming and review queues agree. The one place this is decided.
 */
export function callLanguage(value: string | null | undefined): string | null {
  const m = /^([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]+)*$/.exec((value ?? '').trim());
  return m ? m[1]!.toLowerCase() : null;
}
