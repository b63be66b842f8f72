import { describe, expect, it } from 'vitest';
import { NO_MODEL_PREFIX } from '../../../services/speech/model-selection.ts';
import { stageReason } from '../../../services/web/src/labels.ts';
import { translate } from '../../../services/web/src/i18n.ts';

const es = (key: Parameters<typeof translate>[1], params?: Record<string, string | number>) =>
  translate('es', key, params);

describe(stageReason.name, () => {
  it('says why the pipeline skipped or held a stage in the UI language', () => {
    const written = [
      'call not found (deleted?)',
      'the call has no recording',
      'no speech found by the VAD',
      'transcript uploaded',
      'the call has no transcript',
      'the transcript is empty',
      'text analytics speaks es and en, the call is "pt"',
      `${NO_MODEL_PREFIX} whisper-base (for language es)`,
      'waiting for the object store: connect ECONNREFUSED',
      'waiting for the database: timeout',
    ];
    const said = written.map((r) => stageReason(r, es));
    for (const [i, s] of said.entries()) expect(s, written[i]).not.toBe(written[i]);
    expect(said[6]).toContain('"pt"');
    expect(said[7]).toContain('escucha models fetch whisper-base');
  });

  it('shows a reason of another shape as written, and nothing for none', () => {
    expect(stageReason('manual rerun', es)).toBe('manual rerun');
    expect(stageReason(null, es)).toBe('');
  });
});
