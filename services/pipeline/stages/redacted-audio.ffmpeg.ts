import type { Readable } from 'node:stream';
import { encoderArguments } from '../../archive/audio.ffmpeg.ts';
import type { ArchiveProfile } from '../../archive/audio.types.ts';
import type { ObjectStore, PutResult } from '../../archive/object-store.ts';
import { runFfmpeg } from '../../archive/ffmpeg.runner.ts';
import type { MuteRange } from '../../analytics/index.ts';
import type { AudioRedactor } from '../../analysis/audio-redactor.ts';

/**
 * The redacted copy of a recording: the original streamed from the object store through ffmpeg, with `volume=0`
 * over every range where sensitive data was said (per channel: the customer's card number silences the customer's
 * channel only; a range without channel silences every channel), encoded like the archive copy and streamed back to
 * the store under a server-built key.
 */

const seconds = (ms: number) => (Math.max(0, ms) / 1000).toFixed(3);

/** `volume=0` enabled over the ranges, or a pass-through when there are none. */
function muteFilter(ranges: readonly MuteRange[]): string {
  if (ranges.length === 0) return 'anull';
  const expr = ranges.map((r) => `between(t,${seconds(r.startMs)},${seconds(r.endMs)})`).join('+');
  return `volume=volume=0:enable='${expr}'`;
}

/** The filter graph: each channel picked, muted over its ranges and the ranges of every channel, then joined. */
export function redactionGraph(channels: number, ranges: readonly MuteRange[], tail: string): string {
  const forChannel = (c: number) => ranges.filter((r) => r.channel === null || r.channel === c);
  const suffix = tail ? `,${tail}` : '';
  if (channels <= 1) return `[0:a]${muteFilter(ranges)}${suffix}[out]`;
  const labels = Array.from({ length: channels }, (_, c) => `m${c}`);
  const split = `[0:a]asplit=${channels}${labels.map((_, c) => `[s${c}]`).join('')}`;
  const picks = labels.map((l, c) => `[s${c}]pan=mono|c0=c${c},${muteFilter(forChannel(c))}[${l}]`);
  const join = `${labels.map((l) => `[${l}]`).join('')}amerge=inputs=${channels}${suffix}[out]`;
  return [split, ...picks, join].join(';');
}

export class FfmpegAudioRedactor implements AudioRedactor {
  constructor(
    private readonly options: { store: ObjectStore; profile: ArchiveProfile; ffmpegPath?: string },
  ) {}

  async redact(input: {
    sourceKey: string;
    targetKey: string;
    channels: number;
    ranges: readonly MuteRange[];
    contentType: string;
  }): Promise<PutResult> {
    const enc = encoderArguments(this.options.profile, input.channels);
    // the encoder's own input mapping and filters move into the graph
    const options: string[] = [];
    let tail = '';
    for (let i = 0; i < enc.options.length; i++) {
      const o = enc.options[i]!;
      if (o === '-map') i++;
      else if (o === '-af') tail = enc.options[++i]!;
      else options.push(o);
    }
    const args = [
      ...['-i', 'pipe:0', '-filter_complex', redactionGraph(input.channels, input.ranges, tail)],
      ...['-map', '[out]', ...options, '-f', enc.format, 'pipe:1'],
    ];
    const source: Readable = await this.options.store.get(input.sourceKey);
    const job = runFfmpeg(args, {
      what: `write the redacted copy of ${input.sourceKey}`,
      input: source,
      stdout: 'pipe',
      ...(this.options.ffmpegPath ? { ffmpegPath: this.options.ffmpegPath } : {}),
    });
    let put: PutResult;
    try {
      put = await this.options.store.put(input.targetKey, job.stdout!, { contentType: input.contentType });
    } catch (error) {
      job.stop();
      await job.done.catch(() => undefined);
      throw error;
    }
    try {
      await job.done;
    } catch (error) {
      await this.options.store.delete(input.targetKey).catch(() => undefined);
      throw error;
    }
    return put;
  }
}
