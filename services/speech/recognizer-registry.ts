import type { Logger } from '../platform/logger.ts';
import { WhisperLanguageIdentifier } from './language-id.ts';
import type { ModelStore, ResolvedModel } from './model-store.ts';
import { SherpaRecognizer, type SpeechRecognizer } from './recognizer.sherpa.ts';

export interface RecognizerRegistryOptions {
  models: ModelStore;
  /** Worker threads per loaded model (ESCUCHA_ASR_WORKERS; 0 = one per core). */
  workers: number;
  /** Languages the language stage chooses from. */
  languages: readonly string[];
  lowConfidenceBelow?: number;
  logger?: Logger;
}

/**
 * One recogniser pool per model (and per language for models that take the language as configuration: Whisper,
 * SenseVoice), created on first use and kept for the life of the worker process.
 */
export class RecognizerRegistry {
  private readonly recognizers = new Map<string, Promise<SpeechRecognizer>>();
  private lid: Promise<WhisperLanguageIdentifier | null> | undefined;

  constructor(private readonly options: RecognizerRegistryOptions) {}

  get models(): ModelStore {
    return this.options.models;
  }

  recognizer(name: string, language: string | null): Promise<SpeechRecognizer> {
    const entry = this.options.models.entry(name);
    const perLanguage = entry.family === 'whisper' || entry.family === 'sense-voice';
    const key = perLanguage ? `${name}:${language ?? 'auto'}` : name;
    let r = this.recognizers.get(key);
    if (!r) {
      r = this.options.models.resolve(name).then(
        (model: ResolvedModel) =>
          new SherpaRecognizer({
            model,
            language: perLanguage ? language : null,
            workers: this.options.workers,
            ...(this.options.logger ? { logger: this.options.logger.child({ model: model.label }) } : {}),
          }),
      );
      this.recognizers.set(key, r);
      r.catch(() => this.recognizers.delete(key));
    }
    return r;
  }

  /** Whisper spoken-language identification when a multilingual Whisper model is installed, else null. */
  languageIdentifier(): Promise<WhisperLanguageIdentifier | null> {
    if (!this.lid) {
      this.lid = (async () => {
        const installed = new Set(await this.options.models.installed());
        const whisper = this.options.models
          .entries()
          .find((e) => e.spokenLanguageId && installed.has(e.name));
        if (!whisper) return null;
        const model = await this.options.models.resolve(whisper.name);
        return new WhisperLanguageIdentifier({
          model,
          languages: this.options.languages,
          ...(this.options.lowConfidenceBelow !== undefined
            ? { lowConfidenceBelow: this.options.lowConfidenceBelow }
            : {}),
          workers: 1,
          ...(this.options.logger ? { logger: this.options.logger } : {}),
        });
      })();
      this.lid.catch(() => (this.lid = undefined));
    }
    return this.lid;
  }

  async close(): Promise<void> {
    const all = [...this.recognizers.values()];
    this.recognizers.clear();
    const lid = this.lid;
    this.lid = undefined;
    await Promise.all(all.map(async (p) => (await p.catch(() => null))?.close()));
    await (await lid?.catch(() => null))?.close();
  }
}
