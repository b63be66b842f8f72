import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A recording as a phone line carries it: mono 16-bit PCM at 8 kHz (band-passed like a telephone channel). */
export async function phonePcm(file: string): Promise<Int16Array> {
  const { stdout } = await run(
    'ffmpeg',
    [
      '-hide_banner',
      '-loglevel',
      'error',
      '-i',
      file,
      '-ac',
      '1',
      '-af',
      'highpass=f=300,lowpass=f=3400',
      '-ar',
      '8000',
      '-f',
      's16le',
      'pipe:1',
    ],
    { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 },
  );
  const bytes = Buffer.from(stdout);
  return new Int16Array(bytes.buffer, bytes.byteOffset, Math.floor(bytes.length / 2)).slice();
}
