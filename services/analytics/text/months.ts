import type { Lang } from './types.ts';
import { wordTable } from './word-table.ts';

/** Month names (folded) → month number, per language: the dates of promises and the expiry dates of cards. */
export const MONTHS: Readonly<Record<Lang, Readonly<Record<string, number>>>> = {
  es: wordTable({
    enero: 1,
    febrero: 2,
    marzo: 3,
    abril: 4,
    mayo: 5,
    junio: 6,
    julio: 7,
    agosto: 8,
    septiembre: 9,
    setiembre: 9,
    octubre: 10,
    noviembre: 11,
    diciembre: 12,
  }),
  en: wordTable({
    january: 1,
    february: 2,
    march: 3,
    april: 4,
    may: 5,
    june: 6,
    july: 7,
    august: 8,
    september: 9,
    october: 10,
    november: 11,
    december: 12,
  }),
};
