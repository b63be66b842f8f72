import { stat } from 'node:fs/promises';
import path from 'node:path';
import { EscuchaError } from '../../platform/errors.ts';
import { WHISPER_CONFIG_FILES, type ModelFile } from '../model-manifest.ts';
import { readWhisperVocabulary } from './vocabulary.ts';

/**
 * The files of a Whisper ONNX export in the Hugging Face / transformers.js layout (config and tokenizer files beside
 * an `onnx/` folder with the encoder and the merged decoder), as `escucha models add` registers it. Among the
 * variants an export may hold, 8-bit weights are preferred (what runs best on CPUs), then full precision.
 */
const VARIANTS = ['_quantized', '_int8', '_uint8', ''] as const;

async function isFile(p: string): Promise<boolean> {
  const info = await stat(p).catch(() => undefined);
  return Boolean(info?.isFile() && info.size > 0);
}

export async function inspectWhisperExport(dir: string): Promise<{ files: ModelFile[]; variant: string }> {
  const missing: string[] = [];
  for (const f of WHISPER_CONFIG_FILES) if (!(await isFile(path.join(dir, f)))) missing.push(f);
  if (missing.length > 0) {
    throw new EscuchaError(
      'MODEL_INVALID',
      `${dir} is not a Whisper export in the Hugging Face layout: missing ${missing.join(', ')}`,
    );
  }
  const vocab = await readWhisperVocabulary(dir);
  if (Object.keys(vocab.languages).length === 0) {
    throw new EscuchaError('MODEL_INVALID', `${dir}: English-only Whisper models are not supported`);
  }
  for (const folder of ['onnx', '.']) {
    for (const variant of VARIANTS) {
      const encoder = path.join(folder, `encoder_model${variant}.onnx`);
      const decoder = path.join(folder, `decoder_model_merged${variant}.onnx`);
      if ((await isFile(path.join(dir, encoder))) && (await isFile(path.join(dir, decoder)))) {
        return {
          variant: variant ? variant.slice(1) : 'fp32',
          files: [
            { role: 'encoder', path: path.normalize(encoder), sha256: null },
            { role: 'decoder', path: path.normalize(decoder), sha256: null },
            ...WHISPER_CONFIG_FILES.map((f) => ({ role: 'config' as const, path: f, sha256: null })),
          ],
        };
      }
    }
  }
  throw new EscuchaError(
    'MODEL_INVALID',
    `${dir} has no ONNX encoder and merged decoder (onnx/encoder_model_quantized.onnx and ` +
      'onnx/decoder_model_merged_quantized.onnx, or their int8/uint8/fp32 variants)',
  );
}
