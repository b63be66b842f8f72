import { describe, expect, it } from 'vitest';
import {
  encoderArguments,
  FfmpegAudioTool,
  opusInputRates,
  outputChannels,
} from '../../../services/archive/audio.ffmpeg.ts';
import type { ArchiveProfile } from '../../../services/archive/audio.types.ts';
import { lastLines } from '../../../services/archive/ffmpeg.runner.ts';

const opus: ArchiveProfile = { format: 'opus', bitrateKbps: 16, sampleRate: 16000, opusComplexity: 5 };

/** The value following `flag` in an argument list. */
function valueOf(args: string[], flag: string): string | undefined {
  const i = args.indexOf(flag);
  return i >= 0 ? args[i + 1] : undefined;
}

describe(opusInputRates.name, () => {
  it('allows every Opus rate up to the profile rate when the profile rate is an Opus rate', () => {
    expect(opusInputRates(16000)).toEqual([8000, 12000, 16000]);
    expect(opusInputRates(8000)).toEqual([8000]);
    expect(opusInputRates(48000)).toEqual([8000, 12000, 16000, 24000, 48000]);
  });

  it('goes up to 48 kHz when the profile rate is not an Opus rate', () => {
    expect(opusInputRates(44100)).toEqual([8000, 12000, 16000, 24000, 48000]);
    expect(opusInputRates(22050)).toEqual([8000, 12000, 16000, 24000, 48000]);
  });
});

describe(outputChannels.name, () => {
  it('keeps mono and stereo and downmixes more channels to two', () => {
    expect(outputChannels(1)).toBe(1);
    expect(outputChannels(2)).toBe(2);
    expect(outputChannels(6)).toBe(2);
  });
});

describe(encoderArguments.name, () => {
  it('always maps only the first audio stream, drops metadata and uses one thread', () => {
    for (const format of ['opus', 'flac', 'wav', 'mp3'] as const) {
      const { options } = encoderArguments({ ...opus, format, bitrateKbps: 32 }, 2);
      expect(valueOf(options, '-map')).toBe('0:a:0');
      expect(options).toEqual(expect.arrayContaining(['-vn', '-sn', '-dn']));
      expect(valueOf(options, '-map_metadata')).toBe('-1');
      expect(valueOf(options, '-threads')).toBe('1');
      expect(valueOf(options, '-af')).toMatch(/^asetpts=N\/SR\/TB/);
    }
  });

  it('writes Opus in Ogg at the total bitrate, voip, the profile complexity and 60 ms frames', () => {
    const { format, encoder, options } = encoderArguments({ ...opus, opusComplexity: 3 }, 1);
    expect(format).toBe('ogg');
    expect(encoder).toBe('libopus');
    expect(valueOf(options, '-c:a')).toBe('libopus');
    expect(valueOf(options, '-b:a')).toBe('16k');
    expect(valueOf(options, '-vbr')).toBe('on');
    expect(valueOf(options, '-application')).toBe('voip');
    expect(valueOf(options, '-compression_level')).toBe('3');
    expect(valueOf(options, '-frame_duration')).toBe('60');
    expect(valueOf(options, '-af')).toBe('asetpts=N/SR/TB,aformat=sample_rates=8000|12000|16000');
    expect(valueOf(options, '-ac')).toBe('1');
    expect(options).not.toContain('-mapping_family');
  });

  it('encodes two channels as independent Opus streams so they never mix', () => {
    const { options } = encoderArguments(opus, 2);
    expect(valueOf(options, '-ac')).toBe('2');
    expect(valueOf(options, '-mapping_family')).toBe('255');
  });

  it('downmixes more than two channels to two', () => {
    expect(valueOf(encoderArguments(opus, 6).options, '-ac')).toBe('2');
    expect(valueOf(encoderArguments({ ...opus, format: 'wav' }, 4).options, '-ac')).toBe('2');
  });

  it('writes FLAC and WAV as 16-bit at the profile rate', () => {
    const flac = encoderArguments({ ...opus, format: 'flac', sampleRate: 22050 }, 2);
    expect([flac.format, flac.encoder]).toEqual(['flac', 'flac']);
    expect(valueOf(flac.options, '-ar')).toBe('22050');
    expect(valueOf(flac.options, '-sample_fmt')).toBe('s16');
    const wav = encoderArguments({ ...opus, format: 'wav', sampleRate: 16000 }, 1);
    expect([wav.format, wav.encoder]).toEqual(['wav', 'pcm_s16le']);
    expect(valueOf(wav.options, '-ar')).toBe('16000');
    expect(valueOf(wav.options, '-c:a')).toBe('pcm_s16le');
  });

  it('writes MP3 with LAME at the profile bitrate and no ID3 tags', () => {
    const mp3 = encoderArguments({ ...opus, format: 'mp3', bitrateKbps: 64, sampleRate: 44100 }, 2);
    expect([mp3.format, mp3.encoder]).toEqual(['mp3', 'libmp3lame']);
    expect(valueOf(mp3.options, '-b:a')).toBe('64k');
    expect(valueOf(mp3.options, '-ar')).toBe('44100');
    expect(valueOf(mp3.options, '-id3v2_version')).toBe('0');
  });
});

describe(FfmpegAudioTool.name, () => {
  const tool = new FfmpegAudioTool({
    paths: { ffmpeg: '/x/ffmpeg', ffprobe: '/x/ffprobe', source: 'system' },
  });

  it('describes what each profile stores', () => {
    expect(tool.describe(opus)).toEqual({
      extension: 'ogg',
      contentType: 'audio/ogg',
      codec: 'opus',
      format: 'ogg',
    });
    expect(tool.describe({ ...opus, format: 'flac' })).toEqual({
      extension: 'flac',
      contentType: 'audio/flac',
      codec: 'flac',
      format: 'flac',
    });
    expect(tool.describe({ ...opus, format: 'wav' })).toEqual({
      extension: 'wav',
      contentType: 'audio/wav',
      codec: 'pcm_s16le',
      format: 'wav',
    });
    expect(tool.describe({ ...opus, format: 'mp3' })).toEqual({
      extension: 'mp3',
      contentType: 'audio/mpeg',
      codec: 'mp3',
      format: 'mp3',
    });
  });

  it('returns a fresh object each time so callers cannot change the table', () => {
    const a = tool.describe(opus);
    a.extension = 'x';
    expect(tool.describe(opus).extension).toBe('ogg');
  });
});

describe(lastLines.name, () => {
  it('keeps the last non-empty lines without the ffmpeg component prefixes', () => {
    const stderr = '[mp3 @ 0x55d0c0ffee00] Header missing\n\nfirst\n[wav @ 0xabc] second\nthird\n';
    expect(lastLines(stderr, 2)).toBe('second | third');
    expect(lastLines(stderr)).toBe('first | second | third');
    expect(lastLines(null)).toBe('');
  });
});
