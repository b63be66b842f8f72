/**
 * Shared text normalisation for the analytics detectors: tokenizing with offsets, accent folding, ASR clean-up
 * (fillers, stutter, glued negations, contractions), sentence splitting, stop-words, sound keys and edit distances.
 * Everything here is pure; only stemmer.natural.ts touches a library.
 */
export { foldAccents, foldLower } from './fold.ts';
export { DISCOURSE_MARKERS, isFillerAt, isSoundFiller } from './fillers.ts';
export { markNoise, normalize } from './normalize.ts';
export { soundKey } from './phonetic.ts';
export { MIN_SIDE_WORDS, splitSentences, splitWords } from './sentences.ts';
export { damerauLevenshtein, isSimilar, levenshtein, similarity } from './similarity.ts';
export { NaturalStemmer, naturalStemmer, stem } from './stemmer.natural.ts';
export { STOP_WORDS, isStopWord } from './stopwords.ts';
export { tokenize } from './tokenize.ts';
export { wordSet } from './words.ts';
export { TEXT_LANGS, isLang } from './types.ts';
export type { Boundary, Lang, NormalizedText, NormalizedToken, Sentence, Stemmer, Token } from './types.ts';
