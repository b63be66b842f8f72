/**
 * One model's stereo-call measurement of the ASR benchmark (asr.bench.ts), in a process of its own: each run starts
 * its own embedded PostgreSQL and pipeline, and a second one in the same process did not come up cleanly.
 * Arguments: <work folder> <rounds> <model> <models folder> <beam width>. Prints the result as JSON on its last line.
 */
import { benchCalls } from './asr.bench.ts';

const [dir, rounds, model, modelsDir, beam] = process.argv.slice(2);
const result = await benchCalls(dir!, Number(rounds), model!, modelsDir!, Number(beam));
console.log(JSON.stringify(result));
process.exit(0);
