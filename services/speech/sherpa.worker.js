// Worker thread of the speech recogniser pool (services/speech/worker-pool.ts). Plain JavaScript on purpose: worker
// threads start outside the TypeScript loader, under tsx, vitest and plain node alike.
//
// workerData: { kind: 'asr', config } — a sherpa-onnx OfflineRecognizer config.
// Requests: { samples: Float32Array, sampleRate: number }. Results: the recogniser's result object.
import { createRequire } from 'node:module';
import { parentPort, workerData } from 'node:worker_threads';

const require = createRequire(import.meta.url);

function start() {
  const sherpa = require('sherpa-onnx-node');
  const { kind, config } = workerData;
  if (kind === 'asr') {
    const recognizer = new sherpa.OfflineRecognizer(config);
    return ({ samples, sampleRate }) => {
      const stream = recognizer.createStream();
      stream.acceptWaveform({ samples, sampleRate });
      recognizer.decode(stream);
      return recognizer.getResult(stream);
    };
  }
  throw new Error(`unknown worker kind ${String(kind)}`);
}

let handle;
try {
  handle = start();
  parentPort.postMessage({ type: 'ready' });
} catch (error) {
  parentPort.postMessage({
    type: 'init-error',
    message: error instanceof Error ? error.message : String(error),
  });
}

parentPort.on('message', ({ id, request }) => {
  if (!handle) return;
  try {
    const result = handle(request);
    parentPort.postMessage({ id, ok: true, result });
  } catch (error) {
    parentPort.postMessage({
      id,
      ok: false,
      message: error instanceof Error ? error.message : String(error),
    });
  }
});
