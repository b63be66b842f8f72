import type { Lang } from '../text/types.ts';
import { wordSet } from '../text/words.ts';

/**
 * Words that change the valence of what follows them, per language, in folded form (no accents, lower case).
 * Multi-word modifiers ("un poco", "sin embargo", "a bit", "kind of") are phrase patterns with a role, matched by the
 * same sentence scanner as the collections phrases (matching/phrase.matcher.ts; syntax in matching/phrase.pattern.ts).
 */

export type ModifierRole = 'negator' | 'intensifier' | 'diminisher' | 'contrast' | 'concessive';

export interface ModifierPhrase {
  pattern: string;
  role: ModifierRole;
  /** Multiplier for intensifiers and diminishers. */
  factor?: number;
  /** An intensifier that may also follow the polar word it strengthens ("thank you so much"). */
  post?: boolean;
}

export interface ModifierSet {
  /** Flip what follows within the negation scope. Spanish negative concord ("no … nada") does not flip twice. */
  negators: ReadonlySet<string>;
  /** Multiply the next polar word (within two words): "muy molesto", "really happy". */
  intensifiers: ReadonlyMap<string, number>;
  diminishers: ReadonlyMap<string, number>;
  /** Multiply the polar word just before: "le agradezco mucho". */
  postIntensifiers: ReadonlyMap<string, number>;
  /** The clause after it is the main point: "pero", "but". */
  contrast: ReadonlySet<string>;
  /** The clause after it is subordinate: "aunque", "although". */
  concessive: ReadonlySet<string>;
  phrases: readonly ModifierPhrase[];
  /** A sentence opening with one of these is a question even without "?" (ASR drops punctuation). */
  questionOpeners: ReadonlySet<string>;
  /** Words that carry no valence when they open a sentence or clause that goes on ("bueno, entonces …"). */
  discourseOpeners: ReadonlySet<string>;
}

const BOOST = 1.3;
const STRONG_BOOST = 1.5;
const DAMPEN = 0.6;

const ES: ModifierSet = {
  negators: wordSet('no nunca jamas tampoco ni nada nadie ningun ninguna ninguno ningunos sin'),
  intensifiers: new Map([
    ['muy', BOOST],
    ['super', BOOST],
    ['bastante', BOOST],
    ['tan', BOOST],
    ['tanto', BOOST],
    ['tanta', BOOST],
    ['demasiado', BOOST],
    ['demasiada', BOOST],
    ['realmente', BOOST],
    ['sumamente', STRONG_BOOST],
    ['totalmente', BOOST],
    ['completamente', BOOST],
    ['extremadamente', STRONG_BOOST],
    ['increiblemente', STRONG_BOOST],
    ['mucho', BOOST],
    ['mucha', BOOST],
    ['muchos', BOOST],
    ['muchas', BOOST],
    ['muchisimo', STRONG_BOOST],
    ['muchisima', STRONG_BOOST],
    ['muchisimos', STRONG_BOOST],
    ['muchisimas', STRONG_BOOST],
    ['re', BOOST],
  ]),
  diminishers: new Map([
    ['algo', DAMPEN],
    ['medio', DAMPEN],
    ['ligeramente', DAMPEN],
    ['levemente', DAMPEN],
    ['apenas', DAMPEN],
  ]),
  postIntensifiers: new Map([
    ['mucho', BOOST],
    ['muchisimo', STRONG_BOOST],
    ['bastante', BOOST],
    ['demasiado', BOOST],
  ]),
  contrast: new Set(['pero']),
  concessive: new Set(['aunque']),
  phrases: [
    { pattern: 'sin embargo', role: 'contrast' },
    { pattern: 'no obstante', role: 'contrast' },
    { pattern: 'un (poco|poquito|poquitito|tanto)', role: 'diminisher', factor: DAMPEN },
    { pattern: 'de (verdad|veras)', role: 'intensifier', factor: BOOST },
    { pattern: 'ni siquiera', role: 'negator' },
    { pattern: 'a pesar de', role: 'concessive' },
  ],
  questionOpeners: wordSet('cuando cuanto cuanta cuantos cuantas donde cual cuales quien'),
  discourseOpeners: wordSet('bueno pues vale ok okay listo bien mejor'),
};

const EN: ModifierSet = {
  negators: wordSet('not no never nothing none nobody neither nor without hardly'),
  intensifiers: new Map([
    ['very', BOOST],
    ['really', BOOST],
    ['so', BOOST],
    ['extremely', STRONG_BOOST],
    ['totally', BOOST],
    ['absolutely', BOOST],
    ['completely', BOOST],
    ['too', BOOST],
    ['super', BOOST],
    ['incredibly', STRONG_BOOST],
    ['truly', BOOST],
    ['highly', BOOST],
    ['deeply', BOOST],
    ['quite', 1.15],
    ['pretty', 1.15],
    ['such', BOOST],
    ['much', BOOST],
  ]),
  diminishers: new Map([
    ['slightly', DAMPEN],
    ['somewhat', DAMPEN],
    ['barely', DAMPEN],
    ['fairly', 0.8],
  ]),
  postIntensifiers: new Map(),
  contrast: new Set(['but', 'however']),
  concessive: new Set(['although', 'though']),
  phrases: [
    { pattern: 'a (little|bit)', role: 'diminisher', factor: DAMPEN },
    { pattern: 'a little bit', role: 'diminisher', factor: DAMPEN },
    { pattern: '(kind|sort) of', role: 'diminisher', factor: DAMPEN },
    { pattern: 'even though', role: 'concessive' },
    { pattern: 'so much', role: 'intensifier', factor: BOOST, post: true },
    { pattern: 'a lot', role: 'intensifier', factor: BOOST, post: true },
    { pattern: 'no longer', role: 'negator' },
  ],
  questionOpeners: wordSet(
    'how what when where which who do does did can could would will is are should may',
  ),
  discourseOpeners: new Set(['well', 'so', 'okay', 'ok', 'alright', 'sure', 'like']),
};

export const MODIFIERS: Record<Lang, ModifierSet> = { es: ES, en: EN };
