import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../services/platform/config.ts';

describe('loadConfig (speech and pipeline)', () => {
  it('defaults: models under the data dir, es and en, workers in serve', () => {
    const c = loadConfig({ env: {}, cwd: '/srv/escucha' });
    expect(c.modelsDir).toBe(path.resolve('/srv/escucha/var/models'));
    expect(c.languages).toEqual(['es', 'en']);
    expect(c.asrModel).toBeUndefined();
    expect(c.asrWorkers).toBe(0);
    expect(c.asrBeamSize).toBe(1);
    expect(c.languageLowConfidence).toBe(0.65);
    expect(c.pipeline).toEqual({
      workersInServe: true,
      concurrency: 2,
      retryLimit: 3,
      retryDelaySeconds: 30,
      expireInSeconds: 3600,
      maintenanceIntervalSeconds: 60,
      pollingIntervalSeconds: 2,
    });
  });

  it('reads the environment', () => {
    const c = loadConfig({
      cwd: '/srv',
      env: {
        ESCUCHA_MODELS_DIR: 'models',
        ESCUCHA_ASR_MODEL: 'es=nemo-ctc-es,en=zipformer-en',
        ESCUCHA_ASR_WORKERS: '4',
        ESCUCHA_ASR_BEAM_SIZE: '3',
        ESCUCHA_LANGUAGES: 'ES, pt ,en',
        ESCUCHA_WORKERS_IN_SERVE: 'false',
        ESCUCHA_WORKER_CONCURRENCY: '3',
        ESCUCHA_JOB_EXPIRE_SECONDS: '900',
        ESCUCHA_JOB_POLLING_SECONDS: '0.5',
      },
    });
    expect(c.modelsDir).toBe('/srv/models');
    expect(c.asrModel).toBe('es=nemo-ctc-es,en=zipformer-en');
    expect(c.asrWorkers).toBe(4);
    expect(c.asrBeamSize).toBe(3);
    expect(() => loadConfig({ env: { ESCUCHA_ASR_BEAM_SIZE: '0' } })).toThrow(/ESCUCHA_ASR_BEAM_SIZE/);
    expect(c.languages).toEqual(['es', 'pt', 'en']);
    expect(c.pipeline).toMatchObject({
      workersInServe: false,
      concurrency: 3,
      expireInSeconds: 900,
      pollingIntervalSeconds: 0.5,
    });
  });

  it('names the variable of a wrong value', () => {
    expect(() => loadConfig({ env: { ESCUCHA_LANGUAGES: 'spanish' } })).toThrow(
      /ESCUCHA_LANGUAGES: must be ISO 639-1 codes/,
    );
    expect(() => loadConfig({ env: { ESCUCHA_LANGUAGES: ' , ' } })).toThrow(
      /ESCUCHA_LANGUAGES: name at least one language/,
    );
    expect(() => loadConfig({ env: { ESCUCHA_ASR_MODEL: 'es:whisper' } })).toThrow(
      /ESCUCHA_ASR_MODEL: must be a model name/,
    );
    expect(() => loadConfig({ env: { ESCUCHA_WORKER_CONCURRENCY: '0' } })).toThrow(
      /ESCUCHA_WORKER_CONCURRENCY/,
    );
  });
});
