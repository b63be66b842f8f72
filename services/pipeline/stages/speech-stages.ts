import type { ObjectStore } from '../../archive/object-store.ts';
import type { Db } from '../../platform/database.ts';
import type { Logger } from '../../platform/logger.ts';
import { FfmpegChannelDecoder } from '../../speech/audio-decode.ts';
import { TextLanguageIdentifier } from '../../speech/language-id.ts';
import { parseAsrModelSpec } from '../../speech/model-selection.ts';
import { ModelStore } from '../../speech/model-store.ts';
import { RecognizerRegistry } from '../../speech/recognizer-registry.ts';
import { SileroVad, type VadOptions } from '../../speech/vad.sherpa.ts';
import type { StageHandler } from '../pipeline.ts';
import { TranscriptRepository } from '../../transcripts/transcript.repository.ts';
import { LanguageIdentification } from '../../transcripts/language.service.ts';
import { SpeechDetection } from '../../transcripts/speech-detection.service.ts';
import type { LiveTranscripts, SpeechDeps } from '../../transcripts/speech.deps.ts';
import { Transcription } from '../../transcripts/transcription.service.ts';
import { LanguageStage } from './language.job.ts';
import { TranscribeStage } from './transcribe.job.ts';
import { VadStage } from './vad.job.ts';
import { ToneRepository } from '../../analysis/tone.repository.ts';

export interface SpeechStagesOptions {
  db: Db;
  store: ObjectStore;
  ffmpegPath?: string;
  /** ESCUCHA_MODELS_DIR. */
  modelsDir: string;
  fixtureDir?: string;
  /** Finds an npm-installed model package (the default model); tests pass () => null for a machine without it. */
  packageDir?: (name: string) => string | null;
  /** ESCUCHA_LANGUAGES. */
  languages: readonly string[];
  /** ESCUCHA_ASR_MODEL as written (one name, or es=...,en=...); empty = the default model (whisper-base). */
  asrModel: string | null;
  /** Recogniser worker threads per loaded model; 0 = one per core. */
  asrWorkers: number;
  /** ESCUCHA_RECOGNITION_CPUS: the CPUs recognition is kept to (null: all). */
  recognitionCpus?: string | null;
  /** Whisper beam width (ESCUCHA_ASR_BEAM_SIZE); 1 is greedy. Default 1. */
  asrBeamSize?: number;
  lowConfidenceBelow?: number;
  vad?: Partial<VadOptions>;
  /** The recording tone the vad stage looks for (default 1400 Hz every 15 s). */
  recordingTone?: { frequencyHz: number; intervalMs: number };
  logger?: Logger;
  /** The live transcripts transcription reuses (services/live); none: every call is transcribed. */
  live?: LiveTranscripts;
}

export interface SpeechStages {
  handlers: StageHandler[];
  models: ModelStore;
  recognizers: RecognizerRegistry;
  deps: SpeechDeps;
  close(): Promise<void>;
}

/** Wires the vad, language and transcribe stages with their adapters (one set per worker process). */
export function createSpeechStages(o: SpeechStagesOptions): SpeechStages {
  const models = new ModelStore({
    modelsDir: o.modelsDir,
    ...(o.fixtureDir ? { fixtureDir: o.fixtureDir } : {}),
    ...(o.packageDir ? { packageDir: o.packageDir } : {}),
    ...(o.logger ? { logger: o.logger } : {}),
  });
  const recognizers = new RecognizerRegistry({
    models,
    workers: o.asrWorkers,
    cpus: o.recognitionCpus ?? null,
    ...(o.asrBeamSize ? { beamSize: o.asrBeamSize } : {}),
    ...(o.logger ? { logger: o.logger.child({ component: 'asr' }) } : {}),
  });
  const deps: SpeechDeps = {
    transcripts: new TranscriptRepository(o.db),
    decoder: new FfmpegChannelDecoder({
      store: o.store,
      ...(o.ffmpegPath ? { ffmpegPath: o.ffmpegPath } : {}),
    }),
    vad: new SileroVad(o.vad ?? {}),
    tones: new ToneRepository(o.db),
    toneOptions: o.recordingTone ?? { frequencyHz: 1400, intervalMs: 15_000 },
    recognizers,
    textLanguageId: new TextLanguageIdentifier({
      languages: o.languages,
      ...(o.lowConfidenceBelow !== undefined ? { lowConfidenceBelow: o.lowConfidenceBelow } : {}),
    }),
    languages: o.languages,
    asrModel: parseAsrModelSpec(o.asrModel),
    ...(o.lowConfidenceBelow !== undefined ? { lowConfidenceBelow: o.lowConfidenceBelow } : {}),
    ...(o.logger ? { logger: o.logger } : {}),
    ...(o.live ? { live: o.live } : {}),
  };
  return {
    handlers: [
      new VadStage(new SpeechDetection(deps)),
      new LanguageStage(new LanguageIdentification(deps)),
      new TranscribeStage(new Transcription(deps)),
    ] as StageHandler[],
    models,
    recognizers,
    deps,
    close: () => recognizers.close(),
  };
}
