import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { SingleBar, Presets } from 'cli-progress';
import { parse } from 'csv-parse';
import { callMetadataSchema, type CallMetadata } from '../../models/call.ts';
import type { Config } from '../platform/config.ts';
import { errorMessage, isEscuchaError } from '../platform/errors.ts';
import type { Logger } from '../platform/logger.ts';
import { parseOrThrow } from '../platform/validation.ts';
import { buildServices } from '../composition.ts';

const AUDIO_EXTENSIONS = new Set([
  '.wav',
  '.ogg',
  '.oga',
  '.opus',
  '.mp3',
  '.m4a',
  '.mp4',
  '.aac',
  '.flac',
  '.3gp',
  '.wma',
  '.gsm',
  '.au',
]);
const NUMERIC = new Set(['daysPastDue', 'amountDue']);

/** One metadata row from CSV/JSONL → the metadata object (CSV cells are strings; custom.* columns → custom). */
export function rowToMetadata(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const custom: Record<string, unknown> = {};
  for (const [key, raw] of Object.entries(row)) {
    if (key === 'file' || raw === '' || raw === null || raw === undefined) continue;
    if (key.startsWith('custom.')) custom[key.slice(7)] = raw;
    else if (NUMERIC.has(key) && typeof raw === 'string') out[key] = Number(raw);
    else if (key === 'participants' && typeof raw === 'string') out[key] = JSON.parse(raw);
    else out[key] = raw;
  }
  if (Object.keys(custom).length > 0) out.custom = { ...(out.custom as object | undefined), ...custom };
  return out;
}

async function readMetadataFile(file: string): Promise<Map<string, Record<string, unknown>>> {
  const rows = new Map<string, Record<string, unknown>>();
  const add = (row: Record<string, unknown>, line: number) => {
    const name = row.file;
    if (typeof name !== 'string' || name === '')
      throw new Error(`${file}:${line}: the "file" column is empty`);
    rows.set(path.basename(name), row);
  };
  if (file.endsWith('.jsonl') || file.endsWith('.ndjson')) {
    let line = 0;
    for await (const text of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
      line += 1;
      if (text.trim() === '') continue;
      add(JSON.parse(text) as Record<string, unknown>, line);
    }
  } else {
    let line = 1;
    for await (const record of createReadStream(file).pipe(parse({ columns: true, trim: true, bom: true }))) {
      line += 1;
      add(record as Record<string, unknown>, line);
    }
  }
  return rows;
}

async function collectFiles(paths: string[]): Promise<string[]> {
  const files: string[] = [];
  for (const p of paths) {
    const s = await stat(p);
    if (s.isDirectory()) {
      const entries = await readdir(p, { recursive: true, withFileTypes: true });
      for (const e of entries) {
        const full = path.join(e.parentPath, e.name);
        if (e.isFile() && AUDIO_EXTENSIONS.has(path.extname(e.name).toLowerCase())) files.push(full);
      }
    } else {
      files.push(p);
    }
  }
  return files.sort();
}

/** `escucha import`: archives files concurrently (bounded by the archive's transcode limit). */
export async function runImport(
  config: Config,
  logger: Logger,
  options: { paths: string[]; metadata?: string; requireMetadata: boolean; progress: boolean },
): Promise<boolean> {
  const files = await collectFiles(options.paths);
  const metadataRows = options.metadata ? await readMetadataFile(options.metadata) : new Map();
  if (files.length === 0) {
    console.error('no recordings found');
    return false;
  }
  const ctx = await buildServices(config, { logger });
  const bar =
    options.progress && process.stderr.isTTY
      ? new SingleBar(
          { format: ' {bar} {value}/{total} files | {eta_formatted} left | {file}' },
          Presets.shades_classic,
        )
      : undefined;
  bar?.start(files.length, 0, { file: '' });
  let created = 0;
  let duplicates = 0;
  let audioSeconds = 0;
  const failures: string[] = [];
  const started = performance.now();
  try {
    let next = 0;
    const worker = async () => {
      while (next < files.length) {
        const file = files[next++]!;
        try {
          const row = metadataRows.get(path.basename(file));
          if (!row && options.requireMetadata) throw new Error('no metadata row');
          const metadata: CallMetadata = parseOrThrow(
            callMetadataSchema,
            row ? rowToMetadata(row) : {},
            'INVALID_METADATA',
            'invalid metadata',
          );
          const size = (await stat(file)).size;
          const result = await ctx.archive.ingest({
            filePath: file,
            sizeBytes: size,
            metadata,
            source: 'upload',
          });
          if (result.created) {
            created += 1;
            audioSeconds += result.durationMs / 1000;
          } else duplicates += 1;
        } catch (error) {
          failures.push(`${file}: ${isEscuchaError(error) ? `${error.code}: ` : ''}${errorMessage(error)}`);
        }
        bar?.increment(1, { file: path.basename(file) });
        if (!bar && options.progress)
          console.error(`[${created + duplicates + failures.length}/${files.length}] ${file}`);
      }
    };
    const parallel = Math.max(1, config.ingestConcurrency || 2);
    await Promise.all(Array.from({ length: Math.min(parallel, files.length) }, worker));
  } finally {
    bar?.stop();
    await ctx.close();
  }
  const wall = (performance.now() - started) / 1000;
  console.log(
    `imported ${created}, already archived ${duplicates}, failed ${failures.length} ` +
      `(${(audioSeconds / 3600).toFixed(2)} h of audio in ${wall.toFixed(1)} s)`,
  );
  for (const f of failures) console.log(`  failed: ${f}`);
  return failures.length === 0;
}
