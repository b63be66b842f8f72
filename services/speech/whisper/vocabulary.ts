import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { EscuchaError } from '../../platform/errors.ts';

/**
 * The special tokens of a multilingual Whisper model, read from its Hugging Face files (`generation_config.json`,
 * `added_tokens.json`, `config.json`) so that any export in that layout works, whatever its vocabulary size.
 */
export interface WhisperVocabulary {
  /** `<|endoftext|>`. */
  eot: number;
  /** `<|startoftranscript|>`. */
  sot: number;
  transcribe: number;
  translate: number;
  /** `<|notimestamps|>`; timestamp tokens follow it (`<|0.00|>` = noTimestamps + 1). */
  noTimestamps: number;
  /** `<|nospeech|>` (`<|nocaptions|>` in older exports). */
  noSpeech: number;
  timestampBegin: number;
  /** ISO 639-1 (and Whisper's few longer codes) → token id. */
  languages: Readonly<Record<string, number>>;
  /** Tokens never generated (`suppress_tokens`). */
  suppress: readonly number[];
  /** Tokens not allowed as the first text token (`begin_suppress_tokens`: a bare space and end of text). */
  beginSuppress: readonly number[];
  /** Layer/head pairs whose cross-attention follows the audio (word timing); empty when unknown. */
  alignmentHeads: readonly (readonly [number, number])[];
  /** Decoder positions (448); a window's tokens, prompt included, stay below half of it as in Whisper. */
  maxTargetPositions: number;
}

/** Seconds per timestamp token and per encoder frame. */
export const TIME_PRECISION = 0.02;
/** Samples in one Whisper window (30 s at 16 kHz). */
export const WINDOW_SAMPLES = 480_000;
export const WHISPER_SAMPLE_RATE = 16_000;

interface GenerationConfig {
  decoder_start_token_id?: number;
  eos_token_id?: number;
  no_timestamps_token_id?: number;
  lang_to_id?: Record<string, number>;
  task_to_id?: Record<string, number>;
  suppress_tokens?: number[];
  begin_suppress_tokens?: number[];
  alignment_heads?: [number, number][];
  is_multilingual?: boolean;
}

async function readJson<T>(file: string): Promise<T> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch (error) {
    throw new EscuchaError('MODEL_INVALID', `cannot read ${file}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

/** Reads the vocabulary of the Whisper export in `dir`; MODEL_INVALID when it is not a multilingual Whisper. */
export async function readWhisperVocabulary(dir: string): Promise<WhisperVocabulary> {
  const gen = await readJson<GenerationConfig>(path.join(dir, 'generation_config.json'));
  const config = await readJson<{ max_target_positions?: number; model_type?: string }>(
    path.join(dir, 'config.json'),
  );
  const added = await readJson<Record<string, number>>(path.join(dir, 'added_tokens.json')).catch(
    () => ({}) as Record<string, number>,
  );
  const bad = (what: string) =>
    new EscuchaError('MODEL_INVALID', `${dir} is not a multilingual Whisper export: ${what}`);
  if (config.model_type !== undefined && config.model_type !== 'whisper') {
    throw bad(`model_type is ${config.model_type}`);
  }
  const langToId = gen.lang_to_id ?? {};
  if (gen.is_multilingual === false || Object.keys(langToId).length === 0) throw bad('no language tokens');
  const noTimestamps = gen.no_timestamps_token_id;
  const sot = gen.decoder_start_token_id;
  const eot = gen.eos_token_id;
  const transcribe = gen.task_to_id?.transcribe;
  const translate = gen.task_to_id?.translate;
  if (noTimestamps === undefined || sot === undefined || eot === undefined || transcribe === undefined) {
    throw bad('generation_config.json lacks the special tokens');
  }
  const noSpeech = added['<|nospeech|>'] ?? added['<|nocaptions|>'] ?? noTimestamps - 1;
  const languages: Record<string, number> = {};
  for (const [token, id] of Object.entries(langToId)) {
    const m = /^<\|([a-z]{2,3}|haw|yue)\|>$/.exec(token);
    if (m) languages[m[1]!] = id;
  }
  return {
    eot,
    sot,
    transcribe,
    translate: translate ?? transcribe - 1,
    noTimestamps,
    noSpeech,
    timestampBegin: noTimestamps + 1,
    languages,
    suppress: gen.suppress_tokens ?? [],
    beginSuppress: gen.begin_suppress_tokens ?? [],
    alignmentHeads: (gen.alignment_heads ?? []).map(([l, h]) => [l, h] as const),
    maxTargetPositions: config.max_target_positions ?? 448,
  };
}
