import type { SegmentAudio } from './segments.ts';

/**
 * What every speech-recognition engine offers the pipeline (sherpa-onnx families in recognizer.sherpa.ts, Whisper on
 * onnxruntime in recognizer.whisper.ts).
 */

export interface RecognizedWord {
  word: string;
  startMs: number;
  endMs: number;
}

/** A stretch of transcribed speech of one channel, on the call's clock. */
export interface TranscribedSegment {
  startMs: number;
  endMs: number;
  text: string;
  /** From the model's token probabilities, 0–1; null when the model gives none. */
  confidence: number | null;
  /** Word times from the model; null when it gives none. */
  words: RecognizedWord[] | null;
}

export interface TranscribeOptions {
  /** The call's language (ISO 639-1); engines that take it as input transcribe in it, never translate. */
  language: string | null;
  sampleRate: number;
}

export interface LanguageDetection {
  /** Probability of each language asked about. */
  probabilities: Record<string, number>;
  /** The model's probability that the audio holds no speech. */
  noSpeechProbability: number;
  /** Seconds of speech the decision rests on. */
  speechSeconds: number;
}

/** Padding of real audio kept around each speech segment given to a recogniser. */
export const SEGMENT_PAD_MS = 150;

export interface SpeechRecognizer {
  /** Model name as stored with results ("fixture (test-only)" for the test fixture). */
  readonly model: string;
  /**
   * Transcribes the speech of one channel, given as the audio of its speech segments in time order (each with
   * SEGMENT_PAD_MS around it). Returns the transcribed stretches in time order; never text the model did not say.
   */
  transcribe(audio: AsyncIterable<SegmentAudio>, options: TranscribeOptions): Promise<TranscribedSegment[]>;
  /** Spoken-language identification on the first speech of one channel, where the model can do it. */
  detectLanguage?(
    audio: AsyncIterable<SegmentAudio>,
    languages: readonly string[],
    sampleRate: number,
  ): Promise<LanguageDetection | null>;
  close(): Promise<void>;
}
