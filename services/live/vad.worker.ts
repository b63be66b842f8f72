// Worker thread of the live transcript (services/live/live.segmentation.ts), started through
// services/platform/worker-thread.ts: Silero VAD over each party's audio of the calls in progress, apart from
// capture's thread. Protocol: VadWorkerRequest in, VadWorkerEvent out.
import { parentPort, workerData } from 'node:worker_threads';
import { SileroVad, type VadOptions } from '../speech/vad.sherpa.ts';
import { UtteranceSegmenter, type Utterance } from './utterance.segmenter.ts';

export interface VadWorkerData {
  vad: Partial<VadOptions>;
}

export type VadWorkerRequest =
  | { type: 'audio'; key: string; sampleRate: number; position: number; samples: Int16Array }
  | { type: 'end'; key: string }
  /** Stop: the worker ends once the message it is on is done (never inside a model run). */
  | { type: 'close' };

export type VadWorkerEvent =
  | { type: 'ready' }
  | { type: 'init-error'; message: string }
  | { type: 'utterance'; key: string; startMs: number; endMs: number; samples: Float32Array }
  /** After each stretch: how far the stream's audio was examined, and whether speech is open at that point. */
  | { type: 'progress'; key: string; processedMs: number; speaking: boolean; samples: number }
  | { type: 'ended'; key: string }
  | { type: 'error'; key: string; message: string };

const port = parentPort!;
const streams = new Map<string, UtteranceSegmenter>();

function send(key: string, utterances: Utterance[]): void {
  for (const u of utterances) {
    const event: VadWorkerEvent = { type: 'utterance', key, ...u };
    port.postMessage(event, [u.samples.buffer as ArrayBuffer]);
  }
}

try {
  const silero = new SileroVad((workerData as VadWorkerData).vad);
  silero.stream(); // loads the model once now, so a model that cannot load fails at start
  port.on('message', (message: VadWorkerRequest) => {
    if (message.type === 'close') {
      streams.clear();
      port.close();
      return;
    }
    try {
      if (message.type === 'audio') {
        let segmenter = streams.get(message.key);
        if (!segmenter) {
          segmenter = new UtteranceSegmenter({ createVad: () => silero.stream() });
          streams.set(message.key, segmenter);
        }
        send(message.key, segmenter.push(message.samples, message.sampleRate, message.position));
        const progress: VadWorkerEvent = {
          type: 'progress',
          key: message.key,
          processedMs: segmenter.processedMs,
          speaking: segmenter.speaking,
          samples: message.samples.length,
        };
        port.postMessage(progress);
      } else {
        const segmenter = streams.get(message.key);
        streams.delete(message.key);
        if (segmenter) send(message.key, segmenter.end());
        port.postMessage({ type: 'ended', key: message.key } satisfies VadWorkerEvent);
      }
    } catch (error) {
      streams.delete(message.key);
      port.postMessage({
        type: 'error',
        key: message.key,
        message: error instanceof Error ? error.message : String(error),
      } satisfies VadWorkerEvent);
      if (message.type === 'end')
        port.postMessage({ type: 'ended', key: message.key } satisfies VadWorkerEvent);
    }
  });
  port.postMessage({ type: 'ready' } satisfies VadWorkerEvent);
} catch (error) {
  port.postMessage({
    type: 'init-error',
    message: error instanceof Error ? error.message : String(error),
  } satisfies VadWorkerEvent);
}
