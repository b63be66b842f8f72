import type { Readable } from 'node:stream';
import type { ArchiveFormat } from '../platform/config.ts';

/** What ffprobe tells about an input recording. */
export interface AudioProbe {
  /** Container as ffprobe names it, e.g. "wav", "ogg", "mov,mp4,m4a,3gp,3g2,mj2", "asf". */
  formatName: string;
  /** Codec of the first audio stream, e.g. "pcm_mulaw", "opus", "mp3", "aac", "wmav2", "amr_nb". */
  codec: string;
  channels: number;
  sampleRate: number;
  durationMs: number;
  bitRate: number | null;
}

export interface ArchiveProfile {
  format: ArchiveFormat;
  bitrateKbps: number;
  sampleRate: number;
  opusComplexity: number;
}

/** What the archive stores for a profile. */
export interface ArchiveOutput {
  /** File extension without dot: ogg, flac, wav, mp3. */
  extension: string;
  contentType: string;
  /** Codec name as stored in the database: opus, flac, pcm_s16le, mp3. */
  codec: string;
  /** Container name: ogg, flac, wav, mp3. */
  format: string;
}

/** Narrow interface over ffmpeg/ffprobe (audio.ffmpeg.ts, which runs them through ffmpeg.runner.ts). */
export interface AudioTool {
  /** Throws EscuchaError INVALID_AUDIO when the file is not decodable audio (or has no audio stream). */
  probe(filePath: string): Promise<AudioProbe>;
  /**
   * Transcodes a local file to the profile, streaming the result. Keeps the channel count when it is 1 or 2;
   * more channels are downmixed to 2. The returned `done` settles when ffmpeg exits (rejects TRANSCODE_FAILED).
   */
  transcode(
    filePath: string,
    profile: ArchiveProfile,
    channels: number,
  ): { output: Readable; done: Promise<void> };
  describe(profile: ArchiveProfile): ArchiveOutput;
}
