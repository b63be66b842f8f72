// Worker thread of the Whisper recogniser pool (services/speech/recognizer.whisper.ts), started through
// services/platform/worker-thread.ts. Protocol: services/speech/worker-pool.ts.
//
// workerData: WhisperWorkerData. Requests: WindowRequest. Results: WindowResult.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { WhisperFeatureExtractor, WhisperTokenizer } from '@huggingface/transformers';
import { WhisperLogMel } from './log-mel.ts';
import { WhisperOnnx } from './onnx-model.ts';
import { readWhisperVocabulary } from './vocabulary.ts';
import { WindowDecoder, type FeatureExtractorLike, type WindowRequest } from './window-decoder.ts';

export interface WhisperWorkerData {
  /** The model folder (Hugging Face layout: config, tokenizer and preprocessor files). */
  dir: string;
  encoderPath: string;
  decoderPath: string;
  threads: number;
}

async function json(file: string): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
}

async function start(data: WhisperWorkerData): Promise<WindowDecoder> {
  const [tokenizerJson, tokenizerConfig, preprocessor, vocab, model] = await Promise.all([
    json(path.join(data.dir, 'tokenizer.json')),
    json(path.join(data.dir, 'tokenizer_config.json')),
    json(path.join(data.dir, 'preprocessor_config.json')),
    readWhisperVocabulary(data.dir),
    WhisperOnnx.load({ encoderPath: data.encoderPath, decoderPath: data.decoderPath, threads: data.threads }),
  ]);
  const tokenizer = new WhisperTokenizer(tokenizerJson, tokenizerConfig);
  // transformers.js builds the mel filter bank and the window from the export's configuration; Escucha's own
  // implementation computes the features with them (the same values, several times faster: log-mel.ts).
  const extractor = new WhisperFeatureExtractor(preprocessor) as unknown as {
    config: { mel_filters: number[][] };
    window: Float64Array;
  };
  const logMel = new WhisperLogMel({ melFilters: extractor.config.mel_filters, window: extractor.window });
  const features: FeatureExtractorLike = (samples) => logMel.compute(samples);
  return new WindowDecoder(model, vocab, tokenizer, features, logMel.melBins);
}

const port = parentPort!;
let decoder: WindowDecoder | null = null;
const queue: { id: number; request: WindowRequest }[] = [];
let busy = false;

async function drain(): Promise<void> {
  if (busy || !decoder) return;
  busy = true;
  while (queue.length > 0) {
    const { id, request } = queue.shift()!;
    try {
      const result = await decoder.run(request);
      port.postMessage({ id, ok: true, result });
    } catch (error) {
      port.postMessage({ id, ok: false, message: error instanceof Error ? error.message : String(error) });
    }
  }
  busy = false;
}

port.on('message', (message: { id: number; request: WindowRequest }) => {
  queue.push(message);
  void drain();
});

start(workerData as WhisperWorkerData).then(
  (d) => {
    decoder = d;
    port.postMessage({ type: 'ready', info: { canTimeWords: d.canTimeWords } });
    void drain();
  },
  (error: unknown) => {
    port.postMessage({
      type: 'init-error',
      message: error instanceof Error ? error.message : String(error),
    });
  },
);
