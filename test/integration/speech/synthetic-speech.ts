import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Fails with the install step when a tool the speech tests need is missing. */
export async function requireTools(...tools: string[]): Promise<void> {
  for (const tool of tools) {
    try {
      await run('which', [tool]);
    } catch {
      throw new Error(
        `${tool} is not installed: apt-get install ${tool === 'sox' ? 'sox' : tool === 'espeak-ng' ? 'espeak-ng' : tool} (.ci/run does it)`,
      );
    }
  }
}

/** One espeak-ng utterance as a 16 kHz mono 16-bit WAV. */
export async function speak(
  text: string,
  voice: 'es' | 'en-us',
  file: string,
  options: { speed?: number } = {},
): Promise<void> {
  const raw = `${file}.espeak.wav`;
  await run('espeak-ng', ['-v', voice, '-s', String(options.speed ?? 150), '-w', raw, text]);
  await run('sox', [raw, '-r', '16000', '-c', '1', '-b', '16', file]);
  await rm(raw, { force: true });
}

export interface Line {
  text: string;
  voice: 'es' | 'en-us';
  /** When the line starts, in seconds from the start of the call. */
  at: number;
}

/**
 * A two-channel call (left = channel 0, right = channel 1) of espeak-ng lines placed in time, silence elsewhere,
 * written as a 16 kHz 16-bit stereo WAV of `seconds` length.
 */
export async function synthesizeCall(
  file: string,
  channels: { left: Line[]; right: Line[] },
  seconds: number,
): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'escucha-call-'));
  try {
    const side = async (lines: Line[], name: string): Promise<string> => {
      const out = path.join(dir, `${name}.wav`);
      const parts: string[] = [];
      let i = 0;
      for (const line of lines) {
        const utt = path.join(dir, `${name}-${i}.wav`);
        const placed = path.join(dir, `${name}-${i}-placed.wav`);
        await speak(line.text, line.voice, utt);
        await run('sox', [utt, placed, 'pad', String(line.at)]);
        parts.push(placed);
        i++;
      }
      const silence = path.join(dir, `${name}-silence.wav`);
      await run('sox', ['-n', '-r', '16000', '-c', '1', '-b', '16', silence, 'trim', '0', String(seconds)]);
      if (parts.length === 0) return silence;
      const inputs = [silence, ...parts].flatMap((p) => ['-v', '1', p]);
      await run('sox', ['-m', ...inputs, out, 'trim', '0', String(seconds)]);
      return out;
    };
    const left = await side(channels.left, 'left');
    const right = await side(channels.right, 'right');
    await run('sox', ['-M', left, right, file]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A mono WAV: silence, one utterance, silence. */
export async function utteranceWithSilence(
  file: string,
  text: string,
  voice: 'es' | 'en-us',
  silenceBefore: number,
  silenceAfter: number,
): Promise<void> {
  const utt = `${file}.utt.wav`;
  await speak(text, voice, utt);
  await run('sox', [utt, file, 'pad', String(silenceBefore), String(silenceAfter)]);
  await rm(utt, { force: true });
}

export async function silence(file: string, seconds: number): Promise<void> {
  await run('sox', ['-n', '-r', '16000', '-c', '1', '-b', '16', file, 'trim', '0', String(seconds)]);
}

export async function durationSeconds(file: string): Promise<number> {
  const { stdout } = await run('soxi', ['-D', file]);
  return Number(stdout.trim());
}
