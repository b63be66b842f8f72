import { createRequire } from 'node:module';
import { EscuchaError } from '../platform/errors.ts';

/**
 * The slice of sherpa-onnx-node's API Escucha uses (the package ships JSDoc, not TypeScript types). The native addon
 * is loaded on first use, so processes that never touch speech never load onnxruntime.
 */

export interface SherpaWave {
  samples: Float32Array;
  sampleRate: number;
}

export interface SherpaOfflineStream {
  acceptWaveform(wave: SherpaWave): void;
}

/** What getResult returns (fields vary by model family). */
export interface SherpaOfflineResult {
  text: string;
  tokens?: string[];
  timestamps?: number[];
  durations?: number[];
  ys_log_probs?: number[];
  lang?: string;
  emotion?: string;
  event?: string;
  words?: unknown[];
}

export interface SherpaOfflineRecognizer {
  createStream(): SherpaOfflineStream;
  decode(stream: SherpaOfflineStream): void;
  getResult(stream: SherpaOfflineStream): SherpaOfflineResult;
}

export interface SherpaVad {
  acceptWaveform(samples: Float32Array): void;
  isEmpty(): boolean;
  /** Whether the detector is inside speech now. */
  isDetected(): boolean;
  front(enableExternalBuffer?: boolean): { start: number; samples: Float32Array };
  pop(): void;
  flush(): void;
}

export interface SherpaModule {
  OfflineRecognizer: new (config: object) => SherpaOfflineRecognizer;
  Vad: new (config: object, bufferSizeInSeconds: number) => SherpaVad;
  readWave(filename: string): SherpaWave;
  version: string;
  onnxruntimeVersion: string;
}

let loaded: SherpaModule | undefined;

export function loadSherpa(): SherpaModule {
  if (!loaded) {
    try {
      loaded = createRequire(import.meta.url)('sherpa-onnx-node') as SherpaModule;
    } catch (error) {
      throw new EscuchaError(
        'TOOL_MISSING',
        `cannot load sherpa-onnx-node (speech recognition): ${(error as Error).message}; run npm ci on this platform`,
        { cause: error },
      );
    }
  }
  return loaded;
}
