import { execFile } from 'node:child_process';
import { EscuchaError } from '../../services/platform/errors.ts';
import { resample } from './dsp.ts';
import { decodeWav } from './wav.ts';

/** How one party sounds. */
export interface VoiceSettings {
  /** espeak-ng voice name with optional variant: "es-419+f2". */
  voice: string;
  /** 0–99. */
  pitch: number;
  /** Words per minute. */
  speed: number;
}

/** Text to speech: mono float samples at `sampleRate`. */
export interface SpeechSynthesizer {
  readonly sampleRate: number;
  synthesize(text: string, voice: VoiceSettings): Promise<Float32Array>;
}

export const ESPEAK_INSTALL_HINT = 'apt-get install espeak-ng (Debian/Ubuntu; macOS: brew install espeak-ng)';

/**
 * espeak-ng as a `SpeechSynthesizer`: one process per utterance (`--stdout`, 22.05 kHz 16-bit WAV), resampled to
 * `sampleRate` in process. espeak-ng is needed only to render new calls; the demo ships rendered audio.
 */
export class EspeakSynthesizer implements SpeechSynthesizer {
  readonly sampleRate: number;
  private readonly binary: string;
  private readonly timeoutMs: number;

  constructor(options: { sampleRate?: number; binary?: string; timeoutMs?: number } = {}) {
    this.sampleRate = options.sampleRate ?? 16000;
    this.binary = options.binary ?? 'espeak-ng';
    this.timeoutMs = options.timeoutMs ?? 60_000;
  }

  /** Throws TOOL_MISSING (with the install step) when espeak-ng does not run. */
  async check(): Promise<string> {
    const out = await this.run(['--version']);
    return out.toString('utf8').trim();
  }

  async synthesize(text: string, voice: VoiceSettings): Promise<Float32Array> {
    const wav = await this.run([
      '-v',
      voice.voice,
      '-p',
      String(voice.pitch),
      '-s',
      String(voice.speed),
      '--stdout',
      // "--" ends the options: a line may start with "-".
      '--',
      text,
    ]);
    const audio = decodeWav(wav);
    const mono = audio.channels[0];
    if (!mono || mono.length === 0) {
      throw new EscuchaError('INTERNAL', `espeak-ng produced no audio for voice ${voice.voice}: "${text}"`);
    }
    return resample(mono, audio.sampleRate, this.sampleRate);
  }

  private run(args: string[]): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      execFile(
        this.binary,
        args,
        { encoding: 'buffer', maxBuffer: 256 * 1024 * 1024, timeout: this.timeoutMs },
        (error, stdout, stderr) => {
          if (!error) return resolve(stdout);
          if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
            return reject(
              new EscuchaError(
                'TOOL_MISSING',
                `espeak-ng is not installed (needed to render synthetic calls): ${ESPEAK_INSTALL_HINT}`,
                { cause: error },
              ),
            );
          }
          const detail = stderr.toString('utf8').trim() || error.message;
          reject(new EscuchaError('INTERNAL', `espeak-ng failed: ${detail}`, { cause: error }));
        },
      );
    });
  }
}
