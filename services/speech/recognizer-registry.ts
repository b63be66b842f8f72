import type { Logger } from '../platform/logger.ts';
import { DEFAULT_ASR_MODEL, engineOf } from './model-manifest.ts';
import type { ModelStore } from './model-store.ts';
import type { SpeechRecognizer } from './recognizer.ts';
import { SherpaRecognizer } from './recognizer.sherpa.ts';
import { WhisperRecognizer } from './recognizer.whisper.ts';

export interface RecognizerRegistryOptions {
  models: ModelStore;
  /** Worker threads per loaded model (ESCUCHA_ASR_WORKERS; 0 = one per core). */
  workers: number;
  /** Whisper beam width (ESCUCHA_ASR_BEAM_SIZE). */
  beamSize?: number;
  /** The CPUs recognition is kept to (ESCUCHA_RECOGNITION_CPUS); all by default. */
  cpus?: string | null;
  logger?: Logger;
}

/**
 * One recogniser pool per model, created on first use and kept for the life of the worker process. Whisper takes the
 * language with each request; SenseVoice (sherpa-onnx) is configured with it, so it gets one pool per language.
 */
export class RecognizerRegistry {
  private readonly recognizers = new Map<string, Promise<SpeechRecognizer>>();

  constructor(private readonly options: RecognizerRegistryOptions) {}

  get models(): ModelStore {
    return this.options.models;
  }

  async recognizer(name: string, language: string | null): Promise<SpeechRecognizer> {
    const entry = await this.options.models.entry(name);
    const perLanguage = entry.family === 'sense-voice';
    const key = perLanguage ? `${name}:${language ?? 'auto'}` : name;
    let r = this.recognizers.get(key);
    if (!r) {
      r = this.options.models.resolve(name).then(async (model) => {
        const logger = this.options.logger?.child({ model: model.label });
        if (engineOf(model.entry.family) === 'whisper') {
          const whisper = new WhisperRecognizer({
            model,
            workers: this.options.workers,
            cpus: this.options.cpus ?? null,
            ...(this.options.beamSize ? { beamSize: this.options.beamSize } : {}),
            ...(logger ? { logger } : {}),
          });
          await whisper.ready().catch(async (error: unknown) => {
            await whisper.close();
            throw error;
          });
          return whisper;
        }
        return new SherpaRecognizer({
          model,
          language: perLanguage ? language : null,
          workers: this.options.workers,
          cpus: this.options.cpus ?? null,
          ...(logger ? { logger } : {}),
        });
      });
      this.recognizers.set(key, r);
      r.catch(() => this.recognizers.delete(key));
    }
    return r;
  }

  /**
   * A recogniser that identifies the spoken language: `preferred` when it can (the model transcription will use, so
   * that the first window it encodes serves both), else the default Whisper model, else any installed Whisper model.
   * Null when no such model is installed.
   */
  async languageIdentifier(preferred: string | null): Promise<SpeechRecognizer | null> {
    const installed = new Set(await this.options.models.installed());
    const entries = await this.options.models.entries();
    const can = (name: string | null) =>
      name !== null && installed.has(name) && entries.some((e) => e.name === name && e.spokenLanguageId);
    const name = [preferred, DEFAULT_ASR_MODEL, ...entries.map((e) => e.name)].find(can);
    if (!name) return null;
    const r = await this.recognizer(name, null);
    return r.detectLanguage ? r : null;
  }

  async close(): Promise<void> {
    const all = [...this.recognizers.values()];
    this.recognizers.clear();
    await Promise.all(all.map(async (p) => (await p.catch(() => null))?.close()));
  }
}
