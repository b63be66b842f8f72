/**
 * Text Whisper is known to write where there is no speech it can read. It learnt from subtitles, so silence, music and
 * noise come out as subtitle credits and sign-offs, or as fragments in other scripts; a segment made only of such text
 * is dropped (it is never what a caller said).
 */

/** Languages written in the Latin script: for them, a segment mostly in another script is not speech Whisper read. */
const LATIN_SCRIPT = new Set(
  (
    'af az bs ca cs cy da de en es et eu fi fo fr gl haw hr ht hu id is it jw la lb ln lt lv mg mi ms mt nl nn no oc ' +
    'pl pt ro sk sl sn so sq su sv sw tk tl tr uz vi yo'
  ).split(' '),
);

/** Subtitle credits and sign-offs Whisper writes over silence and music (lower case, without accents). */
const SUBTITLE_PHRASES: readonly RegExp[] = [
  /amara\.?org/,
  /subtitul(os|ado|ada)s? (realizad[oa]s? )?(por|de)/,
  /subtitles? by/,
  /^(gracias|muchas gracias) por (ver|mirar)( el video)?( y suscribete| y hasta la proxima)?$/,
  /suscribete( al canal)?/,
  /^thanks? (you )?for watching/,
  /please subscribe/,
  /^(musica|music)$/,
];

function plain(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}. ]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/\.$/, '');
}

/** Why a segment of text is not kept, or null when it is plausible speech in `language`. */
export function implausibleText(text: string, language: string): string | null {
  const letters = text.match(/[\p{L}\p{N}]/gu) ?? [];
  if (letters.length === 0) return 'no words';
  if (LATIN_SCRIPT.has(language)) {
    const latin = text.match(/[\p{Script=Latin}\p{N}]/gu)?.length ?? 0;
    if (latin / letters.length < 0.7) return 'not in the language’s script';
  }
  const p = plain(text);
  if (SUBTITLE_PHRASES.some((r) => r.test(p))) return 'subtitle credit';
  return null;
}
