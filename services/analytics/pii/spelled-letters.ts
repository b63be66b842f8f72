import { wordTable } from '../text/word-table.ts';

/** Spanish names of letters, as a DNI's letter is read out ("… cuatro efe"). */
export const SPELLED_LETTERS = wordTable<string>({
  a: 'a',
  be: 'b',
  ce: 'c',
  de: 'd',
  e: 'e',
  efe: 'f',
  ge: 'g',
  hache: 'h',
  jota: 'j',
  ka: 'k',
  ele: 'l',
  eme: 'm',
  ene: 'n',
  pe: 'p',
  cu: 'q',
  erre: 'r',
  ese: 's',
  te: 't',
  uve: 'v',
  equis: 'x',
  ye: 'y',
  zeta: 'z',
});

/** The letter a Spanish token spells out (a one-letter word or a letter's name), if any. */
export function letterOf(norm: string): string | undefined {
  return /^[a-z]$/.test(norm) ? norm : SPELLED_LETTERS[norm];
}
