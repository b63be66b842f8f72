import { encodeG711, ULAW_TO_LINEAR, ALAW_TO_LINEAR } from '../../services/capture/rtp/g711.ts';
import { EscuchaError } from '../../services/platform/errors.ts';

/**
 * RIFF/WAVE files of float channels: 16-bit PCM or 8-bit G.711 (µ-law, A-law), any number of channels
 * (interleaved, channel 0 = left). The reader takes what the writer writes, espeak-ng's output (whose sizes are
 * placeholders when it writes to a pipe) and 32-bit float.
 */

export type WavEncoding = 'pcm16' | 'ulaw' | 'alaw';

export interface WavAudio {
  sampleRate: number;
  /** One array per channel, samples in [-1, 1]. */
  channels: Float32Array[];
}

const FORMAT_PCM = 1;
const FORMAT_FLOAT = 3;
const FORMAT_ALAW = 6;
const FORMAT_ULAW = 7;

function toInt16(v: number): number {
  const s = Math.round(v * 32767);
  return s > 32767 ? 32767 : s < -32768 ? -32768 : s;
}

export function encodeWav(audio: WavAudio, encoding: WavEncoding = 'pcm16'): Buffer {
  const channels = audio.channels.length;
  if (channels < 1) throw new EscuchaError('BAD_REQUEST', 'a WAV file needs at least one channel');
  const frames = Math.max(...audio.channels.map((c) => c.length));
  const bytesPerSample = encoding === 'pcm16' ? 2 : 1;
  const dataBytes = frames * channels * bytesPerSample;
  const g711 = encoding !== 'pcm16';
  // Non-PCM formats carry cbSize in fmt and a fact chunk (sample frames), as WAVE requires.
  const fmtBytes = g711 ? 18 : 16;
  const factBytes = g711 ? 12 : 0;
  const header = Buffer.alloc(12 + 8 + fmtBytes + factBytes + 8);
  let o = 0;
  header.write('RIFF', o);
  header.writeUInt32LE(header.length - 8 + dataBytes + (dataBytes % 2), 4);
  header.write('WAVE', 8);
  o = 12;
  header.write('fmt ', o);
  header.writeUInt32LE(fmtBytes, o + 4);
  header.writeUInt16LE(
    encoding === 'pcm16' ? FORMAT_PCM : encoding === 'ulaw' ? FORMAT_ULAW : FORMAT_ALAW,
    o + 8,
  );
  header.writeUInt16LE(channels, o + 10);
  header.writeUInt32LE(audio.sampleRate, o + 12);
  header.writeUInt32LE(audio.sampleRate * channels * bytesPerSample, o + 16);
  header.writeUInt16LE(channels * bytesPerSample, o + 20);
  header.writeUInt16LE(bytesPerSample * 8, o + 22);
  if (g711) header.writeUInt16LE(0, o + 24);
  o += 8 + fmtBytes;
  if (g711) {
    header.write('fact', o);
    header.writeUInt32LE(4, o + 4);
    header.writeUInt32LE(frames, o + 8);
    o += 12;
  }
  header.write('data', o);
  header.writeUInt32LE(dataBytes, o + 4);

  const data = Buffer.alloc(dataBytes + (dataBytes % 2));
  if (encoding === 'pcm16') {
    for (let i = 0; i < frames; i++) {
      for (let c = 0; c < channels; c++) {
        data.writeInt16LE(toInt16(audio.channels[c]?.[i] ?? 0), (i * channels + c) * 2);
      }
    }
  } else {
    const law = encoding === 'ulaw' ? 'PCMU' : 'PCMA';
    const linear = new Int16Array(frames * channels);
    for (let i = 0; i < frames; i++) {
      for (let c = 0; c < channels; c++) linear[i * channels + c] = toInt16(audio.channels[c]?.[i] ?? 0);
    }
    encodeG711(linear, law).copy(data, 0);
  }
  return Buffer.concat([header, data]);
}

export function decodeWav(file: Buffer): WavAudio & { encoding: WavEncoding | 'float32' } {
  if (
    file.length < 12 ||
    file.toString('ascii', 0, 4) !== 'RIFF' ||
    file.toString('ascii', 8, 12) !== 'WAVE'
  ) {
    throw new EscuchaError('INVALID_AUDIO', 'not a RIFF/WAVE file');
  }
  let offset = 12;
  let format: { tag: number; channels: number; sampleRate: number; bits: number } | undefined;
  while (offset + 8 <= file.length) {
    const id = file.toString('ascii', offset, offset + 4);
    const declared = file.readUInt32LE(offset + 4);
    const body = offset + 8;
    // Writers that stream to a pipe cannot go back to fill in sizes: take the rest of the file.
    const size = Math.min(declared, file.length - body);
    if (id === 'fmt ') {
      format = {
        tag: file.readUInt16LE(body),
        channels: file.readUInt16LE(body + 2),
        sampleRate: file.readUInt32LE(body + 4),
        bits: file.readUInt16LE(body + 14),
      };
      if (format.tag === 0xfffe && size >= 26) format.tag = file.readUInt16LE(body + 24);
    } else if (id === 'data') {
      if (!format) throw new EscuchaError('INVALID_AUDIO', 'WAV data before its fmt chunk');
      return { ...decodeSamples(file.subarray(body, body + size), format), sampleRate: format.sampleRate };
    }
    offset = body + size + (size % 2);
  }
  throw new EscuchaError('INVALID_AUDIO', 'WAV file without a data chunk');
}

function decodeSamples(
  data: Buffer,
  format: { tag: number; channels: number; bits: number },
): { channels: Float32Array[]; encoding: WavEncoding | 'float32' } {
  const { tag, channels: n, bits } = format;
  if (n < 1) throw new EscuchaError('INVALID_AUDIO', 'WAV file with no channels');
  const width = bits / 8;
  const frames = Math.floor(data.length / (width * n));
  const channels = Array.from({ length: n }, () => new Float32Array(frames));
  let encoding: WavEncoding | 'float32';
  let read: (at: number) => number;
  if (tag === FORMAT_PCM && bits === 16) {
    encoding = 'pcm16';
    read = (at) => data.readInt16LE(at) / 32768;
  } else if (tag === FORMAT_FLOAT && bits === 32) {
    encoding = 'float32';
    read = (at) => data.readFloatLE(at);
  } else if ((tag === FORMAT_ULAW || tag === FORMAT_ALAW) && bits === 8) {
    encoding = tag === FORMAT_ULAW ? 'ulaw' : 'alaw';
    const table = tag === FORMAT_ULAW ? ULAW_TO_LINEAR : ALAW_TO_LINEAR;
    read = (at) => (table[data[at] ?? 0] ?? 0) / 32768;
  } else {
    throw new EscuchaError('INVALID_AUDIO', `unsupported WAV encoding (format ${tag}, ${bits} bits)`);
  }
  for (let i = 0; i < frames; i++) {
    for (let c = 0; c < n; c++) channels[c]![i] = read((i * n + c) * width);
  }
  return { channels, encoding };
}
