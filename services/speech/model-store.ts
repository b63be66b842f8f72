import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { EscuchaError, errorMessage } from '../platform/errors.ts';
import type { Logger } from '../platform/logger.ts';
import { MODEL_MANIFEST, modelLabel, type ModelFileRole, type ModelManifestEntry } from './model-manifest.ts';

const execFileAsync = promisify(execFile);

/** Written next to the files of a fetched model: what was downloaded and the hash of every file unpacked. */
const LOCK_FILE = '.escucha-model.json';

interface ModelLock {
  name: string;
  url: string;
  archiveSha256: string;
  archiveSizeBytes: number;
  fetchedAt: string;
  files: Record<string, string>;
}

export const DEFAULT_FIXTURE_DIR = fileURLToPath(new URL('../../test/fixtures/asr-model', import.meta.url));

export type ModelState = 'installed' | 'missing' | 'incomplete';

export interface ModelStatus {
  name: string;
  /** "fixture (test-only)" for the test fixture, else the name. */
  label: string;
  family: ModelManifestEntry['family'];
  languages: readonly string[];
  description: string;
  testOnly: boolean;
  dir: string;
  state: ModelState;
  /** The manifest pins a sha256 for the archive or for every file. */
  pinned: boolean;
  url: string | null;
}

export interface FetchProgress {
  receivedBytes: number;
  totalBytes: number | null;
}

export interface FetchResult {
  name: string;
  dir: string;
  url: string;
  archiveSha256: string;
  sizeBytes: number;
  pinned: boolean;
  alreadyInstalled: boolean;
}

export interface VerifyResult {
  name: string;
  label: string;
  ok: boolean;
  state: 'ok' | 'missing' | 'incomplete' | 'modified' | 'mismatch' | 'invalid';
  pinned: boolean;
  /** One line for people, e.g. "ok, unpinned (…)". */
  summary: string;
  problems: string[];
  files: { path: string; sizeBytes: number; sha256: string }[];
}

export interface ResolvedModel {
  entry: ModelManifestEntry;
  name: string;
  label: string;
  dir: string;
  /** Absolute path of each file, by role. */
  paths: Partial<Record<ModelFileRole, string>>;
}

export interface ModelStoreOptions {
  /** ESCUCHA_MODELS_DIR (default <dataDir>/models). */
  modelsDir: string;
  /** Where the test fixture lives; test/fixtures/asr-model of this checkout by default. */
  fixtureDir?: string;
  manifest?: readonly ModelManifestEntry[];
  logger?: Logger;
  fetchImpl?: typeof fetch;
  tarPath?: string;
}

async function exists(p: string): Promise<boolean> {
  return stat(p).then(
    () => true,
    () => false,
  );
}

async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

function isPinned(entry: ModelManifestEntry): boolean {
  return Boolean(entry.archive?.sha256) || (entry.files.length > 0 && entry.files.every((f) => f.sha256));
}

const CTC_BLANKS = ['<blk>', '<eps>', '<blank>'];

/**
 * The models folder: lists what the manifest offers and what is installed, downloads and unpacks release archives
 * (streamed to disk, sha256 computed on the way, unpacked with the system `tar`, renamed into place atomically so a
 * failed fetch leaves nothing behind), verifies installed models and resolves a name to file paths.
 */
export class ModelStore {
  readonly modelsDir: string;
  readonly fixtureDir: string;
  private readonly manifest: readonly ModelManifestEntry[];
  private readonly fetchImpl: typeof fetch;

  constructor(private readonly options: ModelStoreOptions) {
    this.modelsDir = path.resolve(options.modelsDir);
    this.fixtureDir = path.resolve(options.fixtureDir ?? DEFAULT_FIXTURE_DIR);
    this.manifest = options.manifest ?? MODEL_MANIFEST;
    this.fetchImpl = options.fetchImpl ?? fetch;
  }

  entries(): readonly ModelManifestEntry[] {
    return this.manifest;
  }

  entry(name: string): ModelManifestEntry {
    const entry = this.manifest.find((m) => m.name === name);
    if (!entry) {
      throw new EscuchaError(
        'NOT_FOUND',
        `unknown model "${name}"; known models: ${this.manifest.map((m) => m.name).join(', ')}`,
      );
    }
    return entry;
  }

  dirFor(name: string): string {
    const entry = this.entry(name);
    return entry.testOnly ? this.fixtureDir : path.join(this.modelsDir, entry.name);
  }

  private async filesPresent(
    entry: ModelManifestEntry,
    dir: string,
  ): Promise<{ present: number; missing: string[] }> {
    const missing: string[] = [];
    for (const f of entry.files) {
      const info = await stat(path.join(dir, f.path)).catch(() => undefined);
      if (!info || !info.isFile() || info.size === 0) missing.push(f.path);
    }
    return { present: entry.files.length - missing.length, missing };
  }

  async status(name: string): Promise<ModelStatus> {
    const entry = this.entry(name);
    const dir = this.dirFor(name);
    const { present, missing } = await this.filesPresent(entry, dir);
    return {
      name: entry.name,
      label: modelLabel(entry.name),
      family: entry.family,
      languages: entry.languages,
      description: entry.description,
      testOnly: Boolean(entry.testOnly),
      dir,
      state: missing.length === 0 ? 'installed' : present === 0 ? 'missing' : 'incomplete',
      pinned: isPinned(entry),
      url: entry.archive?.url ?? null,
    };
  }

  async list(): Promise<ModelStatus[]> {
    return Promise.all(this.manifest.map((m) => this.status(m.name)));
  }

  /** Names of the models whose files are all present (the fixture included when trained). */
  async installed(): Promise<string[]> {
    const all = await this.list();
    return all.filter((s) => s.state === 'installed').map((s) => s.name);
  }

  async isInstalled(name: string): Promise<boolean> {
    return (await this.status(name)).state === 'installed';
  }

  /** File paths of an installed model; MODEL_NOT_INSTALLED with the fetch command when it is not installed. */
  async resolve(name: string): Promise<ResolvedModel> {
    const entry = this.entry(name);
    const dir = this.dirFor(name);
    const { missing } = await this.filesPresent(entry, dir);
    if (missing.length > 0) {
      const hint = entry.testOnly
        ? `the test fixture model is not trained yet (missing ${missing.join(', ')} in ${dir})`
        : `model ${name} is not installed (missing ${missing.join(', ')} in ${dir}) — run escucha models fetch ${name}`;
      throw new EscuchaError('MODEL_NOT_INSTALLED', hint);
    }
    const paths: Partial<Record<ModelFileRole, string>> = {};
    for (const f of entry.files) paths[f.role] = path.join(dir, f.path);
    // sherpa-onnx ends the whole process (not a catchable error) on a CTC vocabulary without a blank.
    if (
      (entry.family === 'zipformer-ctc' || entry.family === 'nemo-ctc') &&
      paths.tokens &&
      !(await hasBlank(paths.tokens))
    ) {
      throw new EscuchaError(
        'CONFIG_INVALID',
        `model ${modelLabel(name)}: ${paths.tokens} has no blank symbol (${CTC_BLANKS.join(', ')}); it cannot be loaded`,
      );
    }
    return { entry, name: entry.name, label: modelLabel(entry.name), dir, paths };
  }

  /**
   * Downloads, checks and unpacks a model. On any failure the models folder is left as it was (the download and the
   * unpacked files live in a temporary folder inside it until the final rename).
   */
  async fetch(
    name: string,
    onProgress?: (p: FetchProgress) => void,
    options: { force?: boolean } = {},
  ): Promise<FetchResult> {
    const entry = this.entry(name);
    if (entry.testOnly || !entry.archive) {
      throw new EscuchaError(
        'BAD_REQUEST',
        `${modelLabel(name)} is not downloadable: it is trained from synthetic speech into ${this.fixtureDir} and used only by tests`,
      );
    }
    const archive = entry.archive;
    const target = path.join(this.modelsDir, entry.name);
    const log = this.options.logger?.child({ model: name });
    if (!options.force && (await this.status(name)).state === 'installed') {
      const check = await this.verify(name);
      if (check.ok) {
        const lock = await this.readLock(target);
        return {
          name,
          dir: target,
          url: archive.url,
          archiveSha256: lock?.archiveSha256 ?? '',
          sizeBytes: lock?.archiveSizeBytes ?? 0,
          pinned: check.pinned,
          alreadyInstalled: true,
        };
      }
    }
    await mkdir(this.modelsDir, { recursive: true });
    const tmp = await mkdtemp(path.join(this.modelsDir, `.fetch-${entry.name}-`));
    try {
      const archiveFile = path.join(tmp, 'archive.tar.bz2');
      const { sha256, sizeBytes } = await this.download(archive.url, archiveFile, target, onProgress);
      if (archive.sha256 && archive.sha256 !== sha256) {
        throw new EscuchaError(
          'MODEL_CHECKSUM_MISMATCH',
          `checksum mismatch for ${archive.url}: expected sha256 ${archive.sha256}, got ${sha256}; nothing was installed`,
        );
      }
      if (archive.sizeBytes !== null && archive.sizeBytes !== sizeBytes) {
        throw new EscuchaError(
          'MODEL_CHECKSUM_MISMATCH',
          `size mismatch for ${archive.url}: expected ${archive.sizeBytes} bytes, got ${sizeBytes}; nothing was installed`,
        );
      }
      if (!archive.sha256)
        log?.warn({ url: archive.url, sha256 }, 'model archive is unpinned; computed sha256');

      const extractDir = path.join(tmp, 'extract');
      await mkdir(extractDir);
      await this.extract(archiveFile, extractDir);
      await rm(archiveFile, { force: true });
      const root = await singleTopFolder(extractDir);
      const { missing } = await this.filesPresent(entry, root);
      if (missing.length > 0) {
        throw new EscuchaError(
          'MODEL_INVALID',
          `the archive ${archive.url} lacks ${missing.join(', ')}; the model manifest may be out of date`,
        );
      }
      const files: Record<string, string> = {};
      for (const f of entry.files) {
        const digest = await sha256File(path.join(root, f.path));
        if (f.sha256 && f.sha256 !== digest) {
          throw new EscuchaError(
            'MODEL_CHECKSUM_MISMATCH',
            `checksum mismatch for ${f.path} of ${name}: expected ${f.sha256}, got ${digest}`,
          );
        }
        files[f.path] = digest;
      }
      const lock: ModelLock = {
        name,
        url: archive.url,
        archiveSha256: sha256,
        archiveSizeBytes: sizeBytes,
        fetchedAt: new Date().toISOString(),
        files,
      };
      await writeFile(path.join(root, LOCK_FILE), `${JSON.stringify(lock, null, 2)}\n`);
      if (await exists(target)) await rename(target, path.join(tmp, 'previous'));
      await rename(root, target);
      log?.info({ dir: target, sha256, sizeBytes }, 'model installed');
      return {
        name,
        dir: target,
        url: archive.url,
        archiveSha256: sha256,
        sizeBytes,
        pinned: isPinned(entry),
        alreadyInstalled: false,
      };
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }

  private async download(
    url: string,
    file: string,
    target: string,
    onProgress?: (p: FetchProgress) => void,
  ): Promise<{ sha256: string; sizeBytes: number }> {
    const fail = (reason: string, cause?: unknown) =>
      new EscuchaError(
        'MODEL_DOWNLOAD_FAILED',
        `cannot download ${url}: ${reason}. Download it elsewhere and unpack it into ${target} (the files of its top ` +
          `folder directly in there), then run escucha models verify ${path.basename(target)}`,
        cause === undefined ? undefined : { cause },
      );
    let response: Response;
    try {
      response = await this.fetchImpl(url, { redirect: 'follow' });
    } catch (error) {
      const cause = (error as { cause?: unknown }).cause;
      throw fail(cause ? errorMessage(cause) : errorMessage(error), error);
    }
    if (!response.ok || !response.body) {
      throw fail(`HTTP ${response.status} ${response.statusText}`.trim());
    }
    const length = Number(response.headers.get('content-length'));
    const totalBytes = Number.isFinite(length) && length > 0 ? length : null;
    const hash = createHash('sha256');
    let receivedBytes = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        hash.update(chunk);
        receivedBytes += chunk.length;
        onProgress?.({ receivedBytes, totalBytes });
        cb(null, chunk);
      },
    });
    try {
      await pipeline(
        Readable.fromWeb(response.body as import('node:stream/web').ReadableStream),
        meter,
        createWriteStream(file),
      );
    } catch (error) {
      const cause = (error as { cause?: unknown }).cause;
      throw fail(
        `the transfer broke off after ${receivedBytes} bytes (${cause ? errorMessage(cause) : errorMessage(error)})`,
        error,
      );
    }
    if (totalBytes !== null && receivedBytes !== totalBytes) {
      throw fail(`received ${receivedBytes} of ${totalBytes} bytes`);
    }
    return { sha256: hash.digest('hex'), sizeBytes: receivedBytes };
  }

  private async extract(archiveFile: string, dir: string): Promise<void> {
    const tar = this.options.tarPath ?? 'tar';
    try {
      await execFileAsync(tar, ['-xjf', archiveFile, '-C', dir, '--no-same-owner'], {
        maxBuffer: 4 * 1024 * 1024,
      });
    } catch (error) {
      const e = error as NodeJS.ErrnoException & { stderr?: string };
      if (e.code === 'ENOENT') {
        throw new EscuchaError(
          'TOOL_MISSING',
          `tar not found: install tar and bzip2 (apt-get install tar bzip2)`,
          { cause: error },
        );
      }
      throw new EscuchaError(
        'MODEL_INVALID',
        `cannot unpack ${archiveFile}: ${(e.stderr ?? e.message).trim()}`,
        { cause: error },
      );
    }
  }

  private async readLock(dir: string): Promise<ModelLock | undefined> {
    try {
      return JSON.parse(await readFile(path.join(dir, LOCK_FILE), 'utf8')) as ModelLock;
    } catch {
      return undefined;
    }
  }

  /** Checks an installed model: every file present, hashes against the manifest (pinned) or the fetch record. */
  async verify(name: string): Promise<VerifyResult> {
    const entry = this.entry(name);
    const dir = this.dirFor(name);
    const label = modelLabel(name);
    const pinned = isPinned(entry);
    const base = { name, label, pinned, files: [] as VerifyResult['files'] };
    const { present, missing } = await this.filesPresent(entry, dir);
    if (missing.length > 0) {
      const how = entry.testOnly
        ? 'train it (see test/fixtures/asr-model)'
        : `run escucha models fetch ${name}`;
      return {
        ...base,
        ok: false,
        state: present === 0 ? 'missing' : 'incomplete',
        summary: `${present === 0 ? 'not installed' : `incomplete (missing ${missing.join(', ')})`} in ${dir} — ${how}`,
        problems: missing.map((m) => `missing ${m}`),
      };
    }
    const lock = entry.testOnly ? undefined : await this.readLock(dir);
    const problems: string[] = [];
    let state: VerifyResult['state'] = 'ok';
    for (const f of entry.files) {
      const full = path.join(dir, f.path);
      const [digest, info] = await Promise.all([sha256File(full), stat(full)]);
      base.files.push({ path: f.path, sizeBytes: info.size, sha256: digest });
      if (f.sha256 && f.sha256 !== digest) {
        problems.push(`${f.path}: sha256 ${digest} differs from the pinned ${f.sha256}`);
        state = 'mismatch';
      } else if (lock?.files[f.path] && lock.files[f.path] !== digest) {
        problems.push(
          `${f.path}: changed since it was fetched (sha256 ${digest}, was ${lock.files[f.path]})`,
        );
        if (state === 'ok') state = 'modified';
      }
    }
    if (entry.family === 'zipformer-ctc' || entry.family === 'nemo-ctc') {
      const tokens = entry.files.find((f) => f.role === 'tokens');
      if (tokens) {
        if (!(await hasBlank(path.join(dir, tokens.path)))) {
          problems.push(
            `${tokens.path} has no blank symbol (${CTC_BLANKS.join(', ')}); sherpa-onnx would stop the process`,
          );
          state = 'invalid';
        }
      }
    }
    const ok = problems.length === 0;
    let summary: string;
    if (!ok) summary = `${state}: ${problems.join('; ')}`;
    else if (entry.testOnly)
      summary = `TEST FIXTURE ok, unpinned (test-only model in ${dir}; never use it for real calls)`;
    else if (pinned) summary = 'ok (sha256 pinned in the manifest)';
    else if (lock)
      summary = `ok, unpinned (files match the download of ${lock.fetchedAt}, archive sha256 ${lock.archiveSha256})`;
    else summary = 'ok, unpinned (installed by hand; no checksum to compare with)';
    return { ...base, ok, state, summary, problems };
  }
}

async function hasBlank(tokensFile: string): Promise<boolean> {
  const symbols = (await readFile(tokensFile, 'utf8')).split('\n').map((l) => l.trim().split(/\s+/)[0]);
  return symbols.some((s) => s !== undefined && CTC_BLANKS.includes(s));
}

/** The folder the files are in: the archive's single top-level folder, or the extraction folder itself. */
async function singleTopFolder(dir: string): Promise<string> {
  const entries = await readdir(dir, { withFileTypes: true });
  const visible = entries.filter((e) => !e.name.startsWith('.'));
  if (visible.length === 1 && visible[0]!.isDirectory()) return path.join(dir, visible[0]!.name);
  return dir;
}
