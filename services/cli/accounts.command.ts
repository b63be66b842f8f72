import { Option, type Command } from 'commander';
import { USER_ROLES, type UserRole } from '../../models/database.ts';
import { systemCaller } from '../access/caller.ts';
import { newUserSchema, passwordResetSchema } from '../api/contract/users.ts';
import type { UsersService } from '../api/users/users.service.ts';
import { commaList } from './options.ts';
import { createObjectStore } from '../archive/store.factory.ts';
import type { Config } from '../platform/config.ts';
import type { DatabaseHandle } from '../platform/database.ts';
import { EscuchaError, isEscuchaError } from '../platform/errors.ts';
import type { Logger } from '../platform/logger.ts';
import { parseOrThrow } from '../platform/validation.ts';
import { buildMaintenance, buildPeople, openDatabaseOnly } from '../composition.ts';

/** The command line as the audit trail records it. */
const CLI = systemCaller('cli', 'escucha cli');

/** The options that set the fields a user service's error names. */
const FLAGS: Record<string, string> = { agentId: '--agent-id' };

/** Runs a user command, naming the option to use where the service names a field. */
async function withFlags<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    const field = isEscuchaError(error) ? error.details?.field : undefined;
    const flag = typeof field === 'string' ? FLAGS[field] : undefined;
    if (!isEscuchaError(error) || !flag) throw error;
    throw new EscuchaError(error.code, `${error.message} (${flag})`, {
      cause: error,
      ...(error.details ? { details: error.details } : {}),
    });
  }
}

/** A user's input as the API validates it: the same rules and messages. */
function newUser(input: Record<string, unknown>) {
  return parseOrThrow(newUserSchema, input, 'BAD_REQUEST', 'invalid user');
}

/** A new password given on the command line, validated as the API validates it (none: one is generated). */
function newPassword(password: string | undefined): string | undefined {
  return parseOrThrow(
    passwordResetSchema,
    password === undefined ? {} : { password },
    'BAD_REQUEST',
    'invalid password',
  ).password;
}

/** A demo user as `escucha demo` left it: its new password, or null when the one it had was kept. */
export interface DemoUser {
  role: UserRole;
  username: string;
  password: string | null;
}

/**
 * One demo user per role (`demo-admin`, `demo-qa`, …), each created with a random password, returned once. A demo
 * user that exists keeps its password unless `resetPasswords`.
 */
async function demoUsers(users: UsersService, options: { resetPasswords: boolean }): Promise<DemoUser[]> {
  const demo: Record<UserRole, { username: string; displayName: string; agentId?: string }> = {
    admin: { username: 'demo-admin', displayName: 'Demo Admin' },
    qa_supervisor: { username: 'demo-qa', displayName: 'Laura Ruiz (QA)' },
    compliance_officer: { username: 'demo-compliance', displayName: 'Marta Díaz (Cumplimiento)' },
    trainer: { username: 'demo-trainer', displayName: 'Jorge Peña (Formación)' },
    agent: { username: 'demo-agent', displayName: 'Carolina Gómez', agentId: 'A0042' },
  };
  const out: DemoUser[] = [];
  for (const role of USER_ROLES) {
    const { username, displayName, agentId } = demo[role];
    if (await users.exists(username)) {
      const password = options.resetPasswords
        ? (await users.resetPassword(CLI, (await users.byUsername(username)).id, undefined)).password!
        : null;
      out.push({ role, username, password });
      continue;
    }
    const made = await users.create(
      CLI,
      newUser({ username, displayName, role, ...(agentId ? { agentId } : {}) }),
    );
    out.push({ role, username, password: made.password! });
  }
  return out;
}

/** Where the web UI of `escucha serve` answers with this configuration (a wildcard address: this machine). */
export function signInUrl(config: Pick<Config, 'host' | 'port'>): string {
  const host = ['0.0.0.0', '::', ''].includes(config.host) ? 'localhost' : config.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${config.port}/`;
}

/** What `escucha demo` prints about its users: each with its new password or a note that it was kept, and where to sign in. */
export function demoUsersReport(created: readonly DemoUser[], url: string): string[] {
  const kept = created.some((u) => u.password === null);
  return [
    created.some((u) => u.password !== null)
      ? 'Demo users (new passwords are shown only now):'
      : 'Demo users:',
    ...created.map(
      (u) => `  ${u.role.padEnd(20)} ${u.username.padEnd(16)} ${u.password ?? '(password unchanged)'}`,
    ),
    ...(kept
      ? ['Existing demo users keep their passwords; run  escucha demo --reset-passwords  to set new ones.']
      : []),
    `Sign in at ${url} (start the server with  escucha serve) as one of the users above.`,
  ];
}

/**
 * `escucha users …`, `escucha audit verify`, `escucha retention run`, `escucha demo` (its users) and
 * `escucha web build`.
 */
export function registerAccountCommands(
  program: Command,
  config: () => Config,
  logger: (cfg: Config, level?: string) => Logger,
): void {
  const withUsers = <T>(fn: (users: UsersService) => Promise<T>): Promise<T> =>
    withDb((db, cfg) => withFlags(() => fn(buildMaintenance(cfg, db, logger(cfg, 'warn')).userAccounts)));
  const withDb = async <T>(fn: (db: DatabaseHandle, cfg: Config) => Promise<T>): Promise<T> => {
    const cfg = config();
    const database = await openDatabaseOnly(cfg, logger(cfg, 'warn'));
    try {
      return await fn(database, cfg);
    } finally {
      await database.close();
    }
  };
  const list = commaList;

  const users = program.command('users').description('manage web UI user accounts');
  users
    .command('add <username>')
    .description('create a user; without --password a random one is generated and printed once (last line)')
    .addOption(new Option('-r, --role <role>', 'role').choices([...USER_ROLES]).makeOptionMandatory())
    .option('-n, --name <name>', 'display name (default: the username)')
    .option('-e, --email <email>', 'email (can also be used to sign in)')
    .option('--languages <list>', 'comma-separated call languages this user may see (e.g. es,en)')
    .option('--teams <list>', 'comma-separated teams this user may see')
    .option('--agent-id <id>', 'for role agent: the agent id their calls carry')
    .option('--password <password>', 'set this password instead of generating one')
    .action(
      async (
        username: string,
        o: {
          role: string;
          name?: string;
          email?: string;
          languages?: string;
          teams?: string;
          agentId?: string;
          password?: string;
        },
      ) => {
        await withUsers(async (users) => {
          const r = await users.create(
            CLI,
            newUser({
              username,
              displayName: o.name ?? username,
              role: o.role,
              ...(o.email ? { email: o.email } : {}),
              languages: o.languages ? list(o.languages) : [],
              teams: o.teams ? list(o.teams) : [],
              ...(o.agentId ? { agentId: o.agentId } : {}),
              ...(o.password ? { password: o.password } : {}),
            }),
          );
          console.log(`created ${r.user.role} ${r.user.username}`);
          if (r.password) {
            console.log('password (shown only now):');
            console.log(r.password);
          }
        });
      },
    );
  users
    .command('passwd <username>')
    .description(
      'set a new password (random, printed once, unless --password), unlock the account, end its sessions',
    )
    .option('--password <password>', 'the new password')
    .action(async (username: string, o: { password?: string }) => {
      await withUsers(async (users) => {
        const password = newPassword(o.password);
        const r = await users.resetPassword(CLI, (await users.byUsername(username)).id, password);
        console.log(`password of ${username.toLowerCase()} changed; sessions ended`);
        if (r.password) {
          console.log('password (shown only now):');
          console.log(r.password);
        }
      });
    });
  users
    .command('disable <username>')
    .description('disable a user and end their sessions')
    .action(async (username: string) => {
      await withUsers(async (users) => {
        await users.update(CLI, (await users.byUsername(username)).id, { disabled: true });
        console.log(`disabled ${username.toLowerCase()}`);
      });
    });
  users
    .command('enable <username>')
    .description('enable a disabled user')
    .action(async (username: string) => {
      await withUsers(async (users) => {
        await users.update(CLI, (await users.byUsername(username)).id, { disabled: false });
        console.log(`enabled ${username.toLowerCase()}`);
      });
    });
  users
    .command('list')
    .description('list users (username, role, state, languages, teams)')
    .action(async () => {
      await withUsers(async (users) => {
        for (const u of await users.list()) {
          const state = u.disabled
            ? 'disabled'
            : u.lockedUntil && new Date(u.lockedUntil) > new Date()
              ? 'locked'
              : 'active';
          console.log(
            [
              u.username,
              u.role,
              state,
              u.languages.join(',') || '-',
              u.teams.join(',') || '-',
              u.agentId ?? '-',
              u.displayName,
            ].join('\t'),
          );
        }
      });
    });

  program
    .command('audit')
    .description('the audit log')
    .command('verify')
    .description(
      'check the hash chain of the whole audit log; exits 1 and names the first bad entry if it was altered',
    )
    .action(async () => {
      await withDb(async (db, cfg) => {
        const r = await buildMaintenance(cfg, db, logger(cfg, 'warn')).audit.verify();
        const anchorLine =
          r.anchor?.state === 'ok'
            ? `; the head anchored outside the database (entry ${r.anchor.anchoredId}) is in it`
            : r.anchor?.state === 'none'
              ? '; no anchored head to compare (serve writes one in the data directory)'
              : '';
        if (r.ok) {
          console.log(`audit log intact: ${r.checked} entries, last hash ${r.lastHash}${anchorLine}`);
        } else if (r.firstBad) {
          const bad = r.firstBad;
          console.error(
            `audit log ALTERED: entry ${bad.id} ${bad.problem === 'link' ? 'does not link to the entry before it' : 'does not match its hash'} ` +
              `(expected ${bad.expected}, found ${bad.found}); ${r.checked} entries before it are intact`,
          );
          process.exitCode = 1;
        } else {
          console.error(
            `audit log ALTERED: ${r.anchor?.state === 'tampered' ? `the anchored head is not to be trusted: ${r.anchor.reason}` : r.anchor?.reason} ` +
              `(the ${r.checked} entries left form an intact chain: the newest were removed or replaced)`,
          );
          process.exitCode = 1;
        }
      });
    });

  program
    .command('retention')
    .description('retention policies')
    .command('run')
    .description(
      'delete the recordings that retention policies expire (legal holds respected); serve runs this daily',
    )
    .option('--dry-run', 'only report what would be deleted', false)
    .action(async (o: { dryRun: boolean }) => {
      await withDb(async (db, cfg) => {
        const store = await createObjectStore(cfg);
        try {
          const { retention } = buildPeople(cfg, { database: db, store, logger: logger(cfg, 'warn') });
          const r = await retention.run({
            actor: { type: 'system', id: 'cli', name: 'escucha retention run', role: null },
            dryRun: o.dryRun,
          });
          for (const d of r.deleted)
            console.log(`${o.dryRun ? 'would delete' : 'deleted'}\t${d.callId}\t${d.policy}`);
          for (const h of r.held) console.log(`held\t${h.callId}\t${h.policy}`);
          for (const f of r.failed) console.log(`failed\t${f.callId}\t${f.error}`);
          console.log(
            `${r.expired} expired, ${r.deleted.length} ${o.dryRun ? 'to delete' : 'deleted'}, ${r.held.length} on legal hold, ${r.failed.length} failed`,
          );
          if (r.failed.length > 0 || r.objectErrors.length > 0) process.exitCode = 1;
        } finally {
          await store.close();
        }
      });
    });

  program
    .command('demo')
    .description(
      'create one demo user per role, with random passwords printed once (existing ones keep theirs)',
    )
    .option('--reset-passwords', 'give the demo users that exist new random passwords', false)
    .action(async (opts: { resetPasswords: boolean }) => {
      const created = await withUsers((users) => demoUsers(users, { resetPasswords: opts.resetPasswords }));
      for (const line of demoUsersReport(created, signInUrl(config()))) console.log(line);
    });

  program
    .command('web')
    .description('the web UI')
    .command('build')
    .description('build the web UI into services/web/dist (needs the development dependencies)')
    .action(async () => {
      const { buildWeb } = await import('../web/build.ts');
      const out = await buildWeb();
      console.log(`web UI built into ${out}`);
    });
}
