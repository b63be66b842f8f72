import { accessSync, constants } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { EscuchaError, errorMessage, isEscuchaError } from '../platform/errors.ts';
import type { ArchiveOutput, ArchiveProfile, AudioProbe, AudioTool } from './audio.types.ts';
import { FFMPEG_INSTALL_HINT, resolveFfmpegPaths, type FfmpegPaths } from './ffmpeg-path.ts';
import { runFfmpeg, runFfprobe, type FfmpegJob, type FfmpegRunOptions } from './ffmpeg.runner.ts';

/** Input sample rates the Opus encoder takes without resampling to 48 kHz. */
export const OPUS_SAMPLE_RATES = [8000, 12000, 16000, 24000, 48000] as const;

/**
 * Opus input rates allowed for a profile: every Opus rate up to the profile's rate (a rate Opus lacks, such as
 * 22050 or 44100, means 48000). ffmpeg's filter negotiation then picks the allowed rate closest to the source, so
 * 8 kHz telephony (G.711, AMR-NB) is encoded as narrowband Opus instead of being upsampled to 16 kHz: upsampling
 * adds no information, costs encoder time and spends bits on an empty band. Wider sources are brought down to
 * the profile's rate. Decoders always play Opus at 48 kHz, so ASR and browsers see the same stream either way.
 */
export function opusInputRates(profileSampleRate: number): number[] {
  const ceiling = (OPUS_SAMPLE_RATES as readonly number[]).includes(profileSampleRate)
    ? profileSampleRate
    : 48000;
  return OPUS_SAMPLE_RATES.filter((rate) => rate <= ceiling);
}

/** Output channels: 1 stays 1, 2 stays 2, more are downmixed to 2. */
export function outputChannels(channels: number): 1 | 2 {
  return channels <= 1 ? 1 : 2;
}

export interface EncoderArguments {
  /** ffmpeg output options, in order, without the output target. */
  options: string[];
  /** Muxer name (`-f`). */
  format: string;
  /** Encoder name, as `ffmpeg -encoders` lists it. */
  encoder: string;
}

/**
 * The ffmpeg output arguments for a profile. Common to all: only the first audio stream, no video, subtitles,
 * data, metadata or chapters, one encoder thread (Escucha runs one ffmpeg per core) and bit-exact muxing (same
 * input and profile → same bytes → same sha256).
 *
 * - opus: Ogg/Opus, VBR at the profile's total bitrate, `voip` application, 60 ms frames (about 10 % faster and
 *   6 % smaller than 20 ms at 16 kbps; latency does not matter for an archive). Two channels are written as two
 *   independent mono Opus streams (`-mapping_family 255`): libopus's coupled stereo collapses to mono at speech
 *   bitrates (measured: a tone on the left comes back at the same level on both sides at 16 kbps), and ASR, talk
 *   metrics and review all work per channel (agent left, customer right).
 * - all: `asetpts=N/SR/TB` so the copy holds every decoded sample once, in order, from 0 (measured on WMA: the
 *   decoder's 92 ms start offset otherwise became extra length).
 * - flac / wav: 16-bit at the profile's rate. Written to a pipe, the FLAC STREAMINFO carries no sample count and
 *   the WAV header carries 0xFFFFFFFF sizes (ffmpeg cannot seek back); ffmpeg, ffprobe and browsers read both,
 *   ffprobe reports no duration for such a FLAC (probe() then counts it by decoding).
 * - mp3: libmp3lame CBR at the profile's bitrate (LAME caps it at 160 kbps below 32 kHz), no ID3 tag. A pipe
 *   cannot carry the LAME gapless header, so decoders play the encoder delay and padding: about 25–50 ms more
 *   than the source at 44.1/48 kHz, 70–105 ms at 16–24 kHz.
 */
export function encoderArguments(profile: ArchiveProfile, channels: number): EncoderArguments {
  const ac = outputChannels(channels);
  const rate = String(profile.sampleRate);
  const bitrate = `${profile.bitrateKbps}k`;
  const common = [
    ...words('-map 0:a:0 -vn -sn -dn -map_metadata -1 -map_chapters -1 -threads 1'),
    ...words('-fflags +bitexact -flags:a +bitexact'),
    ...['-ac', String(ac)],
  ];
  const samplesInOrder = 'asetpts=N/SR/TB';
  switch (profile.format) {
    case 'opus': {
      const rates = opusInputRates(profile.sampleRate).join('|');
      return {
        format: 'ogg',
        encoder: 'libopus',
        options: [
          ...common,
          ...['-af', `${samplesInOrder},aformat=sample_rates=${rates}`],
          ...['-c:a', 'libopus', '-b:a', bitrate, '-compression_level', String(profile.opusComplexity)],
          ...words('-vbr on -application voip -frame_duration 60'),
          ...(ac === 2 ? ['-mapping_family', '255'] : []),
        ],
      };
    }
    case 'flac':
      return {
        format: 'flac',
        encoder: 'flac',
        options: [...common, '-af', samplesInOrder, '-ar', rate, ...words('-c:a flac -sample_fmt s16')],
      };
    case 'wav':
      return {
        format: 'wav',
        encoder: 'pcm_s16le',
        options: [...common, '-af', samplesInOrder, '-ar', rate, '-c:a', 'pcm_s16le'],
      };
    case 'mp3':
      return {
        format: 'mp3',
        encoder: 'libmp3lame',
        options: [
          ...common,
          ...['-af', samplesInOrder, '-ar', rate, '-c:a', 'libmp3lame', '-b:a', bitrate],
          ...words('-id3v2_version 0 -write_id3v1 0'),
        ],
      };
  }
}

function words(flags: string): string[] {
  return flags.split(' ');
}

const OUTPUTS: Record<ArchiveProfile['format'], ArchiveOutput> = {
  opus: { extension: 'ogg', contentType: 'audio/ogg', codec: 'opus', format: 'ogg' },
  flac: { extension: 'flac', contentType: 'audio/flac', codec: 'flac', format: 'flac' },
  wav: { extension: 'wav', contentType: 'audio/wav', codec: 'pcm_s16le', format: 'wav' },
  mp3: { extension: 'mp3', contentType: 'audio/mpeg', codec: 'mp3', format: 'mp3' },
};

export interface FfmpegAudioToolOptions {
  /** Binaries to use; default resolveFfmpegPaths() on first use. */
  paths?: FfmpegPaths;
}

/** What ffprobe's JSON says of a file (the fields Escucha reads). */
interface ProbeData {
  streams: Record<string, unknown>[];
  format: Record<string, unknown>;
}

/**
 * AudioTool over ffmpeg/ffprobe, run by ffmpeg.runner.ts. probe() validates and measures an input (INVALID_AUDIO
 * for anything that is not decodable audio); transcode() streams ffmpeg's stdout, so memory stays flat whatever
 * the recording's length.
 */
export class FfmpegAudioTool implements AudioTool {
  private resolved: FfmpegPaths | undefined;

  constructor(private readonly options: FfmpegAudioToolOptions = {}) {
    this.resolved = options.paths;
  }

  /** The binaries in use (resolving them on first call). Throws TOOL_MISSING. */
  get paths(): FfmpegPaths {
    this.resolved ??= resolveFfmpegPaths();
    return this.resolved;
  }

  describe(profile: ArchiveProfile): ArchiveOutput {
    return { ...OUTPUTS[profile.format] };
  }

  async probe(filePath: string): Promise<AudioProbe> {
    const input = path.resolve(filePath);
    let size: number;
    try {
      const info = await stat(input);
      if (!info.isFile()) throw new EscuchaError('INVALID_AUDIO', 'the recording is not a regular file');
      size = info.size;
    } catch (error) {
      if (error instanceof EscuchaError) throw error;
      throw new EscuchaError(
        'NOT_FOUND',
        `cannot read the recording file: ${(error as NodeJS.ErrnoException).code}`,
        {
          cause: error,
        },
      );
    }
    if (size === 0) throw new EscuchaError('INVALID_AUDIO', 'the recording file is empty');

    // Only the first audio stream; decode its first two seconds (-count_frames within -read_intervals) so a file
    // whose headers parse but whose audio does not decode is refused here, not halfway through a transcode.
    const data = await this.ffprobe(input, words('-select_streams a:0 -count_frames -read_intervals %+2'));
    const stream = data.streams.find((s) => s.codec_type === 'audio');
    if (!stream) throw new EscuchaError('INVALID_AUDIO', 'the file has no audio stream');
    const codec = typeof stream.codec_name === 'string' ? stream.codec_name : '';
    const channels = toNumber(stream.channels);
    const sampleRate = toNumber(stream.sample_rate);
    if (!codec || codec === 'none' || !channels || !sampleRate) {
      throw new EscuchaError(
        'INVALID_AUDIO',
        'the audio stream has an unknown codec, channel count or sample rate',
      );
    }
    if (toNumber(stream.nb_read_frames) === 0) {
      throw new EscuchaError('INVALID_AUDIO', `the ${codec} audio stream has no decodable frames`);
    }
    const seconds =
      toNumber(stream.duration) ?? toNumber(data.format.duration) ?? (await this.decodedSeconds(input));
    const durationMs = Math.round(
      (seconds - mp3EncoderDelay(data.format.format_name, stream.start_time)) * 1000,
    );
    if (!(durationMs > 0)) throw new EscuchaError('INVALID_AUDIO', 'the audio stream has zero duration');
    return {
      formatName: String(data.format.format_name ?? ''),
      codec,
      channels,
      sampleRate,
      durationMs,
      bitRate: toNumber(stream.bit_rate) ?? toNumber(data.format.bit_rate) ?? null,
    };
  }

  /**
   * Streams the transcoded recording from ffmpeg's stdout. `done` rejects TRANSCODE_FAILED with ffmpeg's last
   * stderr lines (the output stream then fails too, when someone listens for its errors), or when the reader
   * closes `output` before the end, which kills ffmpeg. Throws TOOL_MISSING at once when ffmpeg is gone.
   */
  transcode(
    filePath: string,
    profile: ArchiveProfile,
    channels: number,
  ): { output: Readable; done: Promise<void> } {
    const args = encoderArguments(profile, channels);
    const input = path.resolve(filePath);
    const job = this.run(input, [...args.options, '-f', args.format, 'pipe:1'], {
      what: `transcode to ${args.encoder}`,
      stdout: 'pipe',
    });
    // `output` ends only once ffmpeg has exited cleanly and every byte went through, so a reader never sees a
    // clean end of a failed transcode (ffmpeg closes stdout before its exit status is known).
    const stdout = job.stdout!;
    const output = new PassThrough();
    stdout.pipe(output, { end: false });
    let drained = false;
    let exitedCleanly = false;
    const endWhenComplete = () => {
      if (drained && exitedCleanly && !output.destroyed) output.end();
    };
    stdout.on('end', () => {
      drained = true;
      endWhenComplete();
    });

    let aborted = false;
    let finished = false;
    const done = job.done.then(
      () => {
        finished = true;
        exitedCleanly = true;
        endWhenComplete();
      },
      (error: unknown) => {
        finished = true;
        const failure = aborted
          ? new EscuchaError(
              'TRANSCODE_FAILED',
              'transcode stopped: the output stream was closed before the end',
              {
                details: { outputClosed: true },
              },
            )
          : toolError(error, 'TRANSCODE_FAILED', `ffmpeg could not transcode to ${args.encoder}`, input);
        stdout.unpipe(output);
        stdout.destroy();
        // Only hand the error to a reader that listens for it; otherwise close the stream (a premature close).
        if (!output.destroyed) output.destroy(output.listenerCount('error') > 0 ? failure : undefined);
        throw failure;
      },
    );
    // A caller that only consumes `output` must not crash the process with an unhandled rejection.
    done.catch(() => undefined);

    output.on('close', () => {
      if (finished || output.readableEnded) return;
      aborted = true;
      stdout.unpipe(output);
      job.stop();
    });
    return { output, done };
  }

  /**
   * Runs ffmpeg on one input file, single-threaded. Throws TOOL_MISSING at once when the ffmpeg binary is gone.
   */
  private run(input: string, args: string[], options: Omit<FfmpegRunOptions, 'ffmpegPath'>): FfmpegJob {
    const paths = this.paths;
    if (paths.ffmpeg.includes('/')) {
      try {
        accessSync(paths.ffmpeg, constants.X_OK);
      } catch (error) {
        throw new EscuchaError('TOOL_MISSING', `ffmpeg is not at ${paths.ffmpeg}: ${FFMPEG_INSTALL_HINT}`, {
          cause: error,
        });
      }
    }
    return runFfmpeg(['-threads', '1', '-i', `file:${input}`, ...args], {
      ...options,
      ffmpegPath: paths.ffmpeg,
    });
  }

  private async ffprobe(input: string, options: string[]): Promise<ProbeData> {
    let json: string;
    try {
      json = await runFfprobe(
        [...options, '-print_format', 'json', '-show_streams', '-show_format', `file:${input}`],
        { what: 'read the recording', code: 'INVALID_AUDIO', ffprobePath: this.paths.ffprobe },
      );
    } catch (error) {
      throw toolError(error, 'INVALID_AUDIO', 'not decodable audio', input);
    }
    const data = JSON.parse(json) as Partial<ProbeData>;
    return { streams: data.streams ?? [], format: data.format ?? {} };
  }

  /** Duration by decoding the first audio stream to nothing, for inputs whose headers carry none. Streams. */
  private async decodedSeconds(input: string): Promise<number> {
    let stdout: string;
    try {
      stdout = await this.run(input, words('-map 0:a:0 -vn -sn -dn -threads 1 -progress pipe:1 -f null -'), {
        what: 'decode the recording',
        stdout: 'collect',
        code: 'INVALID_AUDIO',
      }).done;
    } catch (error) {
      throw toolError(error, 'INVALID_AUDIO', 'not decodable audio', input);
    }
    const times = [...stdout.matchAll(/^out_time=(\d+):(\d+):(\d+(?:\.\d+)?)$/gm)];
    const last = times.at(-1);
    return last ? Number(last[1]) * 3600 + Number(last[2]) * 60 + Number(last[3]) : 0;
  }
}

/**
 * ffmpeg's MP3 demuxer reports the LAME header's encoder delay as the stream's start_time while its duration
 * counts every frame, so the playable length is duration − start_time (give or take the last frame's padding).
 */
function mp3EncoderDelay(formatName: unknown, startTime: unknown): number {
  const start = toNumber(startTime) ?? 0;
  return formatName === 'mp3' && start > 0 && start < 0.5 ? start : 0;
}

function toNumber(value: unknown): number | undefined {
  const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : Number.NaN;
  return Number.isFinite(n) ? n : undefined;
}

/**
 * The error an API answer may carry for a failed ffmpeg/ffprobe run: TOOL_MISSING when the binary is missing or
 * lacks an encoder or format Escucha needs, else `code` with ffmpeg's last words, the server's paths left out.
 */
function toolError(
  error: unknown,
  code: 'INVALID_AUDIO' | 'TRANSCODE_FAILED',
  what: string,
  input: string,
): EscuchaError {
  if (isEscuchaError(error, 'TOOL_MISSING')) return error;
  const lines =
    isEscuchaError(error) && Array.isArray(error.details?.stderr) ? (error.details.stderr as string[]) : [];
  const message = errorMessage(error);
  const lacking = lines.find((l) =>
    /Unknown encoder|Unknown (input|output) format|not a suitable output format/.test(l),
  );
  if (lacking) {
    return new EscuchaError(
      'TOOL_MISSING',
      `this ffmpeg build lacks what Escucha needs (${lacking}): ${FFMPEG_INSTALL_HINT}`,
      { cause: error },
    );
  }
  // The server's temp paths are nobody's business in an API answer.
  const clean = (text: string) =>
    text
      .replaceAll(`file:${input}`, 'input')
      .replaceAll(input, 'input')
      .replace(/(?:file:)?\/(?:[\w.@%+-]+\/)+[\w.@%+-]*/g, 'input');
  const detail = clean(lines.slice(-3).join(' | ') || (message.split('\n')[0] ?? ''));
  return new EscuchaError(code, `${what}: ${detail}`, {
    cause: error,
    details: { stderr: lines.join(' | ') },
  });
}
