import { Presets, SingleBar } from 'cli-progress';
import type { Config } from '../platform/config.ts';
import type { Logger } from '../platform/logger.ts';
import { ModelStore } from '../speech/model-store.ts';

function store(config: Config, logger: Logger): ModelStore {
  return new ModelStore({ modelsDir: config.modelsDir, logger: logger.child({ component: 'models' }) });
}

/** `escucha models list`: every model Escucha knows, whether it is installed, and where. */
export async function runModelsList(config: Config, logger: Logger): Promise<void> {
  const all = await store(config, logger).list();
  console.log(`models folder: ${config.modelsDir}`);
  const rows = all.map((m) => [
    m.testOnly ? `${m.label} [TEST FIXTURE]` : m.label,
    m.family,
    m.languages.includes('*') ? 'multilingual' : m.languages.join(','),
    m.state,
    m.testOnly ? 'test-only' : m.pinned ? 'pinned' : 'unpinned',
  ]);
  const header = ['NAME', 'FAMILY', 'LANGUAGES', 'STATE', 'CHECKSUM'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  console.log(line(header));
  for (const [i, r] of rows.entries()) {
    console.log(line(r));
    console.log(`    ${all[i]!.description}`);
  }
}

/** `escucha models fetch <name>`: download, check and unpack a model, with a progress bar. */
export async function runModelsFetch(
  config: Config,
  logger: Logger,
  name: string,
  options: { force: boolean; progress: boolean },
): Promise<void> {
  const models = store(config, logger);
  const entry = models.entry(name);
  if (entry.archive) console.error(`downloading ${entry.archive.url}`);
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
    console.log(`${name} is already installed in ${result.dir} (use --force to download it again)`);
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
    console.log(`no model installed in ${config.modelsDir} — run escucha models fetch nemo-ctc-en-de-es-fr`);
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
