import { Presets, SingleBar } from 'cli-progress';
import type { Config } from '../platform/config.ts';
import type { Logger } from '../platform/logger.ts';
import { DEFAULT_ASR_MODEL, ENGINE_LABEL } from '../speech/model-manifest.ts';
import { ModelStore } from '../speech/model-store.ts';

function store(config: Config, logger: Logger): ModelStore {
  return new ModelStore({ modelsDir: config.modelsDir, logger: logger.child({ component: 'models' }) });
}

function megabytes(bytes: number | null): string {
  return bytes === null ? '?' : `${(bytes / 2 ** 20).toFixed(bytes < 10 * 2 ** 20 ? 1 : 0)} MB`;
}

/** `escucha models list`: every model Escucha knows, whether it is installed, where, how big, and what runs it. */
export async function runModelsList(config: Config, logger: Logger): Promise<void> {
  const all = await store(config, logger).list();
  console.log(`models folder: ${config.modelsDir}`);
  const selected = config.asrModel ?? DEFAULT_ASR_MODEL;
  const rows = all.map((m) => [
    `${m.testOnly ? `${m.label} [TEST FIXTURE]` : m.label}${m.name === DEFAULT_ASR_MODEL ? ' (default)' : ''}`,
    ENGINE_LABEL[m.engine],
    m.languages.includes('*')
      ? 'multilingual'
      : m.languages.length > 5
        ? `${m.languages.length} languages`
        : m.languages.join(','),
    m.state === 'installed' ? `installed (${m.origin})` : m.state,
    m.state === 'installed' ? megabytes(m.sizeBytes) : `${megabytes(m.sizeBytes)} download`,
    m.testOnly ? 'test-only' : m.pinned ? 'pinned' : 'unpinned',
  ]);
  const header = ['NAME', 'ENGINE', 'LANGUAGES', 'STATE', 'SIZE', 'CHECKSUM'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  console.log(line(header));
  for (const [i, r] of rows.entries()) {
    console.log(line(r));
    console.log(`    ${all[i]!.description}`);
  }
  console.log(`transcription uses: ${selected}${config.asrModel ? ' (ESCUCHA_ASR_MODEL)' : ''}`);
}

/** `escucha models fetch <name>`: download, check and unpack a model, with a progress bar. */
export async function runModelsFetch(
  config: Config,
  logger: Logger,
  name: string,
  options: { force: boolean; progress: boolean },
): Promise<void> {
  const models = store(config, logger);
  const entry = await models.entry(name);
  if (entry.archive) {
    const what =
      entry.archive.kind === 'npm' ? ` (npm package ${entry.archive.package}@${entry.archive.version})` : '';
    if (options.force || !(await models.isInstalled(name)))
      console.error(`downloading ${entry.archive.url}${what}`);
  }
  const bar =
    options.progress && process.stderr.isTTY
      ? new SingleBar({ format: ' {bar} {percentage}% | {value}/{total} MB' }, Presets.shades_classic)
      : undefined;
  let started = false;
  const result = await models
    .fetch(
      name,
      (p) => {
        if (!bar) return;
        const mb = (n: number) => Math.round(n / 2 ** 20);
        if (!started) {
          bar.start(p.totalBytes ? mb(p.totalBytes) : 0, 0);
          started = true;
        }
        bar.update(mb(p.receivedBytes));
      },
      { force: options.force },
    )
    .finally(() => bar?.stop());
  if (result.alreadyInstalled) {
    const where =
      result.origin === 'npm package'
        ? ` (installed with Escucha by npm, in ${result.dir})`
        : ` in ${result.dir}`;
    console.log(`${name} is already installed${where}; --force downloads it into ${config.modelsDir}`);
    return;
  }
  console.log(
    `installed ${name} in ${result.dir} (${(result.sizeBytes / 2 ** 20).toFixed(1)} MB downloaded)`,
  );
  console.log(`archive sha256: ${result.archiveSha256}`);
  if (!result.pinned) {
    console.log(
      'unpinned: the manifest has no published checksum for this archive; compare the sha256 above with a copy you ' +
        'trust, or pin it in services/speech/model-manifest.ts',
    );
  }
  if (name !== (config.asrModel ?? DEFAULT_ASR_MODEL)) {
    console.log(`to transcribe with it: ESCUCHA_ASR_MODEL=${name}`);
  }
}

/** `escucha models add <folder>`: registers a Whisper ONNX export (Hugging Face layout) a user already has. */
export async function runModelsAdd(
  config: Config,
  logger: Logger,
  folder: string,
  options: { name?: string },
): Promise<void> {
  const models = store(config, logger);
  const added = await models.add(folder, options.name);
  const check = await models.verify(added.name);
  console.log(`registered ${added.name}: Whisper export in ${added.dir} (${added.variant} weights)`);
  console.log(`verify: ${check.summary}`);
  console.log(`to transcribe with it: ESCUCHA_ASR_MODEL=${added.name}`);
}

/** `escucha models verify [name]`: checks one model, or every installed one. Exit code 1 on any problem. */
export async function runModelsVerify(
  config: Config,
  logger: Logger,
  name: string | undefined,
): Promise<boolean> {
  const models = store(config, logger);
  const names = name ? [name] : await models.installed();
  if (names.length === 0) {
    console.log(`no model installed in ${config.modelsDir} — run escucha models fetch ${DEFAULT_ASR_MODEL}`);
    return true;
  }
  let ok = true;
  for (const n of names) {
    const v = await models.verify(n);
    console.log(`${v.label}: ${v.summary}`);
    ok &&= v.ok;
  }
  return ok;
}
