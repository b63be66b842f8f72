// Test worker for WorkerPool: speaks the pool's protocol; dies on request.
import { readFileSync } from 'node:fs';
import { getPriority } from 'node:os';
import { setTimeout } from 'node:timers';
import { parentPort, threadId, Worker, workerData } from 'node:worker_threads';

if (workerData?.failInit) {
  parentPort.postMessage({ type: 'init-error', message: 'model file is corrupt' });
} else if (workerData?.failFirst) {
  // The first worker cannot load; the others take 300 ms to (and note that they got there).
  const flags = new Int32Array(workerData.failFirst);
  if (Atomics.add(flags, 0, 1) === 0)
    parentPort.postMessage({ type: 'init-error', message: 'model file is corrupt' });
  else
    setTimeout(() => {
      Atomics.add(flags, 1, 1);
      parentPort.postMessage({ type: 'ready', info: { ready: true } });
    }, 300);
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
  else if (request.op === 'cpus') {
    // This thread's CPUs, and those of a thread it starts (as a model's inference threads would be).
    const own = readFileSync('/proc/thread-self/status', 'utf8').match(/^Cpus_allowed_list:\s*(\S+)/m)[1];
    const child = new Worker(
      "const { parentPort } = require('node:worker_threads'); const { readFileSync } = require('node:fs'); parentPort.postMessage(readFileSync('/proc/thread-self/status', 'utf8').match(/^Cpus_allowed_list:\\s*(\\S+)/m)[1]);",
      { eval: true },
    );
    child.once('message', (started) => {
      void child.terminate();
      parentPort.postMessage({ id, ok: true, result: { own, started } });
    });
  } else if (request.op === 'error') parentPort.postMessage({ id, ok: false, message: 'bad input' });
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
