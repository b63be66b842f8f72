import type { Readable } from 'node:stream';
import { runFfmpeg } from '../../archive/ffmpeg.runner.ts';

/** Audio formats a clip can be exported as. */
export const CLIP_FORMATS = {
  wav: { ext: 'wav', contentType: 'audio/wav', args: ['-c:a', 'pcm_s16le', '-f', 'wav'] },
  ogg: { ext: 'ogg', contentType: 'audio/ogg', args: ['-c:a', 'libopus', '-b:a', '48k', '-f', 'ogg'] },
  mp3: { ext: 'mp3', contentType: 'audio/mpeg', args: ['-c:a', 'libmp3lame', '-b:a', '64k', '-f', 'mp3'] },
} as const;
export type ClipFormat = keyof typeof CLIP_FORMATS;

/**
 * Cuts [startMs, endMs) out of a stored recording, streamed into ffmpeg, into a file: the whole clip exists
 * before any byte is sent, so a failed cut is an error answer, never a truncated download.
 */
export async function cutClip(
  source: Readable,
  output: string,
  range: { startMs: number; endMs: number },
  format: ClipFormat,
): Promise<void> {
  const args = [
    ...['-i', 'pipe:0', '-ss', (range.startMs / 1000).toFixed(3)],
    ...['-t', ((range.endMs - range.startMs) / 1000).toFixed(3)],
    ...['-map', '0:a:0', '-map_metadata', '-1', '-ac', '2'],
    ...CLIP_FORMATS[format].args,
    ...['-y', output],
  ];
  // ffmpeg stops reading once the clip is cut: the rest of the recording meets a closed pipe.
  await runFfmpeg(args, { what: 'cut the clip', input: source }).done;
  source.destroy();
}
