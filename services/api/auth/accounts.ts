import { randomBytes } from 'node:crypto';
import { Router, type Express } from 'express';
import { callSearchSchema } from '../../../models/call.ts';
import type { ObjectStore } from '../../archive/object-store.ts';
import type { Db } from '../../platform/database.ts';
import { loadOrCreateKey } from '../../platform/key-file.ts';
import type { Logger } from '../../platform/logger.ts';
import { AuditAnchor } from '../audit/audit-anchor.ts';
import { AuditRepository } from '../audit/audit.repository.ts';
import { auditRouter } from '../audit/audit.router.ts';
import { Auditor } from '../audit/auditor.ts';
import { callAccessGuard } from '../audit/call-access.middleware.ts';
import { RetentionRepository } from '../retention/retention.repository.ts';
import { retentionRouter } from '../retention/retention.router.ts';
import { RetentionService } from '../retention/retention.service.ts';
import { IntegrityService } from '../../archive/integrity.service.ts';
import { TrainingRepository } from '../training/training.repository.ts';
import { trainingRouter } from '../training/training.router.ts';
import { SavedSearchRepository, savedSearchesRouter } from '../users/saved-searches.ts';
import { UserRepository } from '../users/user.repository.ts';
import { usersRouter } from '../users/users.router.ts';
import { ACCESS_RULES, authorize } from './access.policy.ts';
import {
  accountRouter,
  DEFAULT_LOGIN_POLICY,
  loginRouter,
  type Capabilities,
  type LoginPolicy,
} from './auth.router.ts';
import { DeviceCookies } from './device-cookie.ts';
import { DEFAULT_PASSWORD_COST, PasswordHasher, type PasswordCost } from './password.hasher.ts';
import { listRoutes } from './route-list.ts';
import { DEFAULT_SESSION_OPTIONS, SessionRepository, type SessionOptions } from './session.repository.ts';

const DEVICE_COOKIE_KEY_FILE = 'device-cookie.key';

/**
 * Everything people-facing the API needs beside the archive: accounts and sessions, the audit trail, saved
 * searches, retention and legal holds, the training library. Built once per process (cli/context wires it; the
 * app builds defaults from the database when it is not given).
 */
export interface AccountServices {
  users: UserRepository;
  sessions: SessionRepository;
  hasher: PasswordHasher;
  audit: AuditRepository;
  auditor: Auditor;
  searches: SavedSearchRepository;
  retention: RetentionRepository;
  retentionService: RetentionService;
  training: TrainingRepository;
  /** Stored recordings checked against their archived sha256 (playback, `archive verify`, the daily sample). */
  integrity: IntegrityService;
  loginPolicy: LoginPolicy;
  /** Signs and checks the device cookies sign-in throttling trusts. */
  deviceCookies: DeviceCookies;
}

export interface AccountOptions {
  /** Where the audit chain's head is anchored outside the database (the data directory); none when not given. */
  auditAnchorDir?: string;
  /**
   * Where the server's keys live (the data directory): the device-cookie key is made there on first use. Without it,
   * a key per process, so device cookies do not outlive a restart.
   */
  keyDir?: string;
  passwordCost?: PasswordCost;
  session?: SessionOptions;
  loginPolicy?: Partial<LoginPolicy>;
}

export function createAccountServices(
  deps: { db: Db; store: ObjectStore; logger: Logger },
  options: AccountOptions = {},
): AccountServices {
  const audit = new AuditRepository(
    deps.db,
    options.auditAnchorDir
      ? new AuditAnchor(options.auditAnchorDir, deps.logger.child({ component: 'audit' }))
      : undefined,
  );
  const retention = new RetentionRepository(deps.db);
  return {
    users: new UserRepository(deps.db),
    sessions: new SessionRepository(deps.db, options.session ?? DEFAULT_SESSION_OPTIONS),
    hasher: new PasswordHasher(options.passwordCost ?? DEFAULT_PASSWORD_COST),
    audit,
    auditor: new Auditor(audit),
    searches: new SavedSearchRepository(deps.db),
    retention,
    retentionService: new RetentionService({
      repository: retention,
      db: deps.db,
      store: deps.store,
      audit,
      logger: deps.logger.child({ component: 'retention' }),
    }),
    training: new TrainingRepository(deps.db),
    integrity: new IntegrityService({
      db: deps.db,
      store: deps.store,
      logger: deps.logger.child({ component: 'integrity' }),
      onProblem: async (p) => {
        await audit.append(
          { type: 'system', id: 'integrity', name: 'integrity check', role: null },
          { ip: null, userAgent: null },
          {
            action: 'integrity_failure',
            callId: p.callId,
            targetType: 'recording',
            targetId: p.recordingId,
            details: { kind: p.kind, problem: p.problem, detail: p.detail },
          },
        );
      },
    }),
    loginPolicy: { ...DEFAULT_LOGIN_POLICY, ...options.loginPolicy },
    deviceCookies: new DeviceCookies({
      key: async () => {
        const dir = options.keyDir;
        return dir ? loadOrCreateKey(dir, DEVICE_COOKIE_KEY_FILE) : randomBytes(32);
      },
    }),
  };
}

/** Search parameters the call search accepts (analytics filters appear here when they are added). */
export function searchParamNames(): string[] {
  const shape = (callSearchSchema as unknown as { shape?: Record<string, unknown> }).shape;
  return shape ? Object.keys(shape) : [];
}

export interface AccountRouters {
  /** Before authentication: POST /auth/login. */
  public: Router;
  /** After authentication, before any other router: access rules, call scope and read audit, search audit. */
  guard: Router;
  /** After body parsing: the account, audit, user, saved-search, retention and training routes. */
  routes: Router;
}

export function accountRouters(
  app: Express,
  s: AccountServices,
  deps: { db: Db; store: ObjectStore; tmpDir: string },
): AccountRouters {
  const capabilities = (): Capabilities => ({
    routes: listRoutes(app, '/api/v1').map((r) => `${r.method} ${r.path}`),
    searchParams: searchParamNames(),
  });
  const authDeps = {
    users: s.users,
    sessions: s.sessions,
    hasher: s.hasher,
    auditor: s.auditor,
    policy: s.loginPolicy,
    deviceCookies: s.deviceCookies,
    capabilities,
  };

  const guard = Router();
  guard.use(authorize(ACCESS_RULES));
  guard.use('/calls/:id', callAccessGuard(deps.db, s.auditor));
  guard.get('/calls', async (req, _res, next) => {
    await s.auditor.record(req, { action: 'search', details: { query: req.query } });
    next();
  });

  const routes = Router();
  routes.use(accountRouter(authDeps));
  routes.use(usersRouter({ users: s.users, sessions: s.sessions, hasher: s.hasher, auditor: s.auditor }));
  routes.use(auditRouter({ audit: s.audit, auditor: s.auditor }));
  routes.use(savedSearchesRouter({ searches: s.searches, auditor: s.auditor }));
  routes.use(
    retentionRouter({
      repository: s.retention,
      service: s.retentionService,
      searches: s.searches,
      auditor: s.auditor,
    }),
  );
  routes.use(
    trainingRouter({
      db: deps.db,
      training: s.training,
      store: deps.store,
      auditor: s.auditor,
      integrity: s.integrity,
      tmpDir: deps.tmpDir,
    }),
  );
  return { public: loginRouter(authDeps), guard, routes };
}
