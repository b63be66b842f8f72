/**
 * The speech models Escucha knows how to fetch and run. Weights never live in git: `escucha models fetch <name>`
 * downloads the official sherpa-onnx release archive into the models folder, checks it and unpacks it there.
 *
 * Checksums: k2-fsa publishes no checksums for the `asr-models` release archives, and the per-file Git LFS hashes of
 * the Hugging Face mirrors change when a model is re-exported (e.g. sherpa-onnx-whisper-tiny's decoder has had more
 * than one hash), so they cannot pin what the GitHub archive contains. Archives are therefore stored unpinned
 * (`sha256: null`): `fetch` prints the sha256 it computed, records it with a hash of every unpacked file, and
 * `verify` reports the model as "unpinned" while still checking the files against what was downloaded. Pin a value
 * here once you have checked an archive out of band.
 */

export const MODEL_FAMILIES = [
  'whisper',
  'transducer',
  'zipformer-ctc',
  'nemo-ctc',
  'sense-voice',
  'paraformer',
] as const;
export type ModelFamily = (typeof MODEL_FAMILIES)[number];

export const FILE_ROLES = ['encoder', 'decoder', 'joiner', 'model', 'tokens'] as const;
export type ModelFileRole = (typeof FILE_ROLES)[number];

export interface ModelFile {
  role: ModelFileRole;
  /** Relative path inside the model folder. */
  path: string;
  /** Pinned sha256 of this file, when known. */
  sha256: string | null;
}

export interface ModelArchive {
  /** Official release archive (.tar.bz2) with one top-level folder. */
  url: string;
  sha256: string | null;
  sizeBytes: number | null;
}

export interface ModelManifestEntry {
  name: string;
  family: ModelFamily;
  /** ISO 639-1 codes the model transcribes; `*` = every language Whisper knows. */
  languages: readonly string[];
  description: string;
  license: string;
  files: readonly ModelFile[];
  /** Null for the test fixture, which lives in the repository and is never downloaded. */
  archive: ModelArchive | null;
  /** sherpa-onnx `modelType` where auto-detection is not enough (NeMo transducers). */
  modelType?: string;
  /** Whisper multilingual models can also identify the spoken language. */
  spokenLanguageId?: boolean;
  /** The closed-vocabulary model trained on synthetic speech for Escucha's tests. Never for real calls. */
  testOnly?: boolean;
}

export const FIXTURE_MODEL = 'fixture';
/** How the fixture is named wherever it appears (CLI output, logs, stored outcomes). */
export const FIXTURE_LABEL = 'fixture (test-only)';

const RELEASES = 'https://github.com/k2-fsa/sherpa-onnx/releases/download/asr-models';

const unpinned = (archive: string): ModelArchive => ({
  url: `${RELEASES}/${archive}.tar.bz2`,
  sha256: null,
  sizeBytes: null,
});
const file = (role: ModelFileRole, path: string): ModelFile => ({ role, path, sha256: null });

function whisper(size: 'tiny' | 'base' | 'small'): ModelManifestEntry {
  return {
    name: `whisper-${size}`,
    family: 'whisper',
    languages: ['*'],
    description: `OpenAI Whisper ${size} (multilingual, int8); also identifies the spoken language`,
    license: 'MIT',
    files: [
      file('encoder', `${size}-encoder.int8.onnx`),
      file('decoder', `${size}-decoder.int8.onnx`),
      file('tokens', `${size}-tokens.txt`),
    ],
    archive: unpinned(`sherpa-onnx-whisper-${size}`),
    spokenLanguageId: true,
  };
}

function nemoTransducer(
  name: string,
  archive: string,
  languages: string[],
  description: string,
  int8: boolean,
): ModelManifestEntry {
  const suffix = int8 ? '.int8.onnx' : '.onnx';
  return {
    name,
    family: 'transducer',
    languages,
    description,
    license: 'CC-BY-4.0',
    files: [
      file('encoder', `encoder${suffix}`),
      file('decoder', `decoder${suffix}`),
      file('joiner', `joiner${suffix}`),
      file('tokens', 'tokens.txt'),
    ],
    archive: unpinned(archive),
    modelType: 'nemo_transducer',
  };
}

function nemoCtc(
  name: string,
  archive: string,
  languages: string[],
  description: string,
): ModelManifestEntry {
  return {
    name,
    family: 'nemo-ctc',
    languages,
    description,
    license: 'CC-BY-4.0',
    files: [file('model', 'model.onnx'), file('tokens', 'tokens.txt')],
    archive: unpinned(archive),
  };
}

export const MODEL_MANIFEST: readonly ModelManifestEntry[] = [
  nemoCtc(
    'nemo-ctc-en-de-es-fr',
    'sherpa-onnx-nemo-fast-conformer-ctc-en-de-es-fr-14288',
    ['en', 'de', 'es', 'fr'],
    'NVIDIA NeMo FastConformer CTC, English/German/Spanish/French (14,288 h); fast on CPU',
  ),
  nemoCtc(
    'nemo-ctc-es',
    'sherpa-onnx-nemo-fast-conformer-ctc-es-1424',
    ['es'],
    'NVIDIA NeMo FastConformer CTC, Spanish (1,424 h)',
  ),
  nemoCtc(
    'nemo-ctc-multi',
    'sherpa-onnx-nemo-fast-conformer-ctc-be-de-en-es-fr-hr-it-pl-ru-uk-20k',
    ['be', 'de', 'en', 'es', 'fr', 'hr', 'it', 'pl', 'ru', 'uk'],
    'NVIDIA NeMo FastConformer CTC, 10 European languages (20,000 h)',
  ),
  nemoTransducer(
    'nemo-transducer-es',
    'sherpa-onnx-nemo-fast-conformer-transducer-es-1424',
    ['es'],
    'NVIDIA NeMo FastConformer transducer, Spanish (1,424 h)',
    false,
  ),
  nemoTransducer(
    'parakeet-tdt-v3',
    'sherpa-onnx-nemo-parakeet-tdt-0.6b-v3-int8',
    [
      'bg',
      'cs',
      'da',
      'de',
      'el',
      'en',
      'es',
      'et',
      'fi',
      'fr',
      'hr',
      'hu',
      'it',
      'lt',
      'lv',
      'mt',
      'nl',
      'pl',
      'pt',
      'ro',
      'ru',
      'sk',
      'sl',
      'sv',
      'uk',
    ],
    'NVIDIA Parakeet TDT 0.6B v3 (int8), 25 European languages; most accurate, slowest',
    true,
  ),
  {
    name: 'zipformer-en',
    family: 'transducer',
    languages: ['en'],
    description: 'icefall Zipformer transducer, English (LibriSpeech, int8 encoder)',
    license: 'Apache-2.0',
    files: [
      file('encoder', 'encoder-epoch-99-avg-1.int8.onnx'),
      file('decoder', 'decoder-epoch-99-avg-1.onnx'),
      file('joiner', 'joiner-epoch-99-avg-1.int8.onnx'),
      file('tokens', 'tokens.txt'),
    ],
    archive: unpinned('sherpa-onnx-zipformer-en-2023-06-26'),
  },
  whisper('tiny'),
  whisper('base'),
  whisper('small'),
  {
    name: 'sense-voice',
    family: 'sense-voice',
    languages: ['zh', 'en', 'ja', 'ko', 'yue'],
    description: 'FunAudioLLM SenseVoice small (int8), Chinese/English/Japanese/Korean/Cantonese; no Spanish',
    license: 'FunASR Model License',
    files: [file('model', 'model.int8.onnx'), file('tokens', 'tokens.txt')],
    archive: unpinned('sherpa-onnx-sense-voice-zh-en-ja-ko-yue-int8-2024-07-17'),
  },
  {
    name: FIXTURE_MODEL,
    family: 'zipformer-ctc',
    languages: ['es', 'en'],
    description:
      'TEST FIXTURE: tiny closed-vocabulary es/en CTC model trained on espeak-ng speech (test/fixtures/asr-model); proves the pipeline, never for real calls',
    license: 'Apache-2.0',
    files: [file('model', 'model.onnx'), file('tokens', 'tokens.txt')],
    archive: null,
    testOnly: true,
  },
];

/** The model `escucha models fetch` suggests for a language when none is installed. */
export function suggestedModel(language: string | null | undefined): string {
  if (language === 'en' || language === 'es' || language === 'de' || language === 'fr' || !language) {
    return 'nemo-ctc-en-de-es-fr';
  }
  const fit = MODEL_MANIFEST.find((m) => !m.testOnly && m.languages.includes(language));
  return fit?.name ?? 'whisper-small';
}

export function findModel(name: string): ModelManifestEntry | undefined {
  return MODEL_MANIFEST.find((m) => m.name === name);
}

export function supportsLanguage(entry: ModelManifestEntry, language: string): boolean {
  return entry.languages.includes('*') || entry.languages.includes(language);
}

/** The name shown and stored for a model: the fixture is always labelled as such. */
export function modelLabel(name: string): string {
  return name === FIXTURE_MODEL ? FIXTURE_LABEL : name;
}
