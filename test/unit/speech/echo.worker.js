// Test worker for WorkerPool: speaks the pool's protocol; dies on request.
import { getPriority } from 'node:os';
import { setTimeout } from 'node:timers';
import { parentPort, threadId, workerData } from 'node:worker_threads';

if (workerData?.failInit) {
  parentPort.postMessage({ type: 'init-error', message: 'model file is corrupt' });
} else if (workerData?.dieOnLoad) {
  process.exit(7);
} else {
  parentPort.postMessage({ type: 'ready', info: { ready: true } });
}

parentPort.on('message', ({ id, request }) => {
  if (request.op === 'exit') process.exit(3);
  if (request.op === 'throw-async')
    setTimeout(() => {
      throw new Error('native decoder blew up');
    }, 0);
  else if (request.op === 'whoami')
    setTimeout(() => parentPort.postMessage({ id, ok: true, result: { threadId } }), request.delayMs ?? 0);
  else if (request.op === 'priority')
    parentPort.postMessage({ id, ok: true, result: { nice: getPriority() } });
  else if (request.op === 'error') parentPort.postMessage({ id, ok: false, message: 'bad input' });
  else if (request.op === 'sum') {
    const samples = request.samples;
    let s = 0;
    for (const v of samples) s += v;
    setTimeout(
      () => parentPort.postMessage({ id, ok: true, result: { sum: s, n: samples.length } }),
      request.delayMs ?? 0,
    );
  }
});
