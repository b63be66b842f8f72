import express, { type Express } from 'express';
import type { IntegrityService } from '../archive/integrity.service.ts';
import type { ObjectStore } from '../archive/object-store.ts';
import type { CallAnalysisService } from '../analysis/call-analysis.service.ts';
import type { ScriptService } from '../analysis/script.service.ts';
import type { EvaluationService } from '../review/evaluation.service.ts';
import type { ReviewService } from '../review/review.service.ts';
import type { TranscriptService } from '../transcripts/transcript.service.ts';
import type { Logger } from '../platform/logger.ts';
import type { AuditRepository } from './audit/audit.repository.ts';
import { auditRouter } from './audit/audit.router.ts';
import type { AuditService } from './audit/audit.service.ts';
import type { Auditor } from './audit/auditor.ts';
import { callAccessGuard } from './audit/call-access.middleware.ts';
import { ACCESS_RULES, authorize } from './auth/access.policy.ts';
import type { ApiKeyRepository } from './auth/api-key.repository.ts';
import { authenticate } from './auth/auth.middleware.ts';
import { accountRouter, loginRouter } from './auth/auth.router.ts';
import type { AuthService } from './auth/auth.service.ts';
import type { CallAccessLookup } from '../access/call-scope.ts';
import type { PasswordHasher } from './auth/password.hasher.ts';
import { listRoutes, searchParamNames } from './auth/route-list.ts';
import type { SessionRepository } from './auth/session.repository.ts';
import type { CallsService } from './calls/calls.service.ts';
import { reviewRouter } from './analytics/review.router.ts';
import { openApiRoute } from './contract/openapi.ts';
import { evaluationFormsRouter } from './evaluation/evaluation.router.ts';
import { reportsRouter } from './reports/reports.router.ts';
import type { ReportsService } from './reports/reports.service.ts';
import { retentionRouter } from './retention/retention.router.ts';
import type { RetentionService } from './retention/retention.service.ts';
import { scriptsRouter } from './analytics/scripts.router.ts';
import { analysisRouter } from './calls/analysis.router.ts';
import { callsRouter } from './calls/calls.router.ts';
import { errorMiddleware, notFound } from './error.middleware.ts';
import { trainingRouter } from './training/training.router.ts';
import type { TrainingService } from './training/training.service.ts';
import { savedSearchesRouter } from './users/saved-searches.router.ts';
import type { SavedSearchService } from './users/saved-searches.service.ts';
import type { UserRepository } from './users/user.repository.ts';
import { usersRouter } from './users/users.router.ts';
import type { UsersService } from './users/users.service.ts';
import { webUi } from '../web/static.ts';
import { collectionsRouter } from '../collections/collections.router.ts';
import { liveAlertsRouter } from '../live/live-alerts.router.ts';
import type { LiveService } from '../live/live.service.ts';
import type { CollectionsServices } from '../composition.ts';
import type { WebhookService } from '../webhooks/webhook.service.ts';
import { webhooksRouter } from '../webhooks/webhooks.router.ts';
import type { LiveBoardService } from '../live/live.board.ts';
import { liveRouter } from '../live/live.router.ts';
import type { EventStreams } from './event-stream.ts';

/**
 * Everything people-facing the API needs: API keys, accounts and sessions, the audit trail, saved searches,
 * retention and legal holds, the training library, and the integrity check of stored recordings.
 */
export interface PeopleServices {
  keys: ApiKeyRepository;
  users: UserRepository;
  sessions: SessionRepository;
  hasher: PasswordHasher;
  audit: AuditRepository;
  auditor: Auditor;
  /** The audit trail as compliance reads, exports and verifies it. */
  auditTrail: AuditService;
  /** Administration of user accounts. */
  userAccounts: UsersService;
  savedSearches: SavedSearchService;
  retention: RetentionService;
  training: TrainingService;
  /** Stored recordings checked against their archived sha256 (playback, `archive verify`, the daily sample). */
  integrity: IntegrityService;
  /** Signing in (throttled) and out, changing one's own password. */
  auth: AuthService;
}

/** The calls and their analysis: search, playback, transcripts, review queues, scripts, evaluation forms, reports. */
export interface CallServices {
  calls: CallsService;
  analysis: CallAnalysisService;
  transcripts: TranscriptService;
  scripts: ScriptService;
  reviews: ReviewService;
  evaluations: EvaluationService;
  reports: ReportsService;
}

/** What the API is built from; services/composition.ts builds it (`buildServices`). */
export interface ApiDeps {
  logger: Logger;
  version: string;
  /** Whether the database answers (for /health). */
  checkDatabase: () => Promise<void>;
  /** More checks for /health, by name: 'ok' or what is wrong (capture's spool, where serve runs capture). */
  healthChecks?: () => Record<string, string>;
  store: ObjectStore;
  tmpDir: string;
  uploadMaxBytes: number;
  /** Whether a principal may see a call (scope), with what the audit needs to know of it. */
  callAccess: CallAccessLookup;
  people: PeopleServices;
  calls: CallServices;
  /** Payments, the promise ledger and the follow-up queue. */
  collections: CollectionsServices;
  /** Webhook subscriptions, the delivery log and the dead letters. */
  webhooks: WebhookService;
  /** The live board: calls in progress, their event stream, agent activity. */
  live: LiveBoardService;
  /** The live transcript and real-time alerts of calls in progress. */
  liveTranscripts?: LiveService;
  /** The open event streams of the live routes, which a stopping server ends (event-stream.ts). */
  eventStreams: EventStreams;
  /** Folder of the built web UI served at `/` (default services/web/dist); null serves no UI. */
  webDir?: string | null;
  /** Express `trust proxy` setting: proxies allowed to set X-Forwarded-For/Proto (default none). */
  trustProxy?: string;
}

export function createApp(deps: ApiDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.trustProxy ? deps.trustProxy : false);
  app.set('query parser', 'simple');

  const { people, calls } = deps;
  const capabilities = () => ({
    routes: listRoutes(app, '/api/v1').map((r) => `${r.method} ${r.path}`),
    searchParams: searchParamNames(),
  });
  const api = express.Router();
  // API answers are data for the client that asked: never sniffed as another type, never kept by a shared cache
  // (routes that serve audio set their own caching).
  api.use((_req, res, next) => {
    res.set({ 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-store' });
    next();
  });
  // Liveness/readiness for load balancers and orchestrators: no key, no data beyond up/down.
  api.get('/health', async (_req, res) => {
    const checks: Record<string, 'ok' | string> = {};
    try {
      await deps.checkDatabase();
      checks.database = 'ok';
    } catch (error) {
      checks.database = (error as Error).message;
    }
    try {
      await deps.store.check();
      checks.storage = 'ok';
    } catch (error) {
      checks.storage = (error as Error).message;
    }
    Object.assign(checks, deps.healthChecks?.());
    const ok = Object.values(checks).every((v) => v === 'ok');
    res.status(ok ? 200 : 503).json({ status: ok ? 'ok' : 'degraded', version: deps.version, checks });
  });
  api.get('/openapi.json', openApiRoute(deps.version));
  api.use(loginRouter(people.auth));
  api.use(authenticate(people.keys, people.sessions));
  // Access rules, then call scope and the audit of reads, then the audit of searches, before any other router.
  api.use(authorize(ACCESS_RULES));
  api.use('/calls/:id', callAccessGuard(deps.callAccess, people.auditor));
  api.get('/calls', (req, res, next) => {
    // The search runs while its audit row is written: the calls router sends no result before the row is
    // committed (res.locals.audited), so a search that cannot be audited still fails and shows nothing.
    const audited = people.auditor.record(req, { action: 'search', details: { query: req.query } });
    audited.catch(() => undefined);
    res.locals.audited = audited;
    next();
  });
  api.use(express.json({ limit: '1mb' }));
  api.use(callsRouter({ calls: calls.calls, tmpDir: deps.tmpDir, uploadMaxBytes: deps.uploadMaxBytes }));
  api.use(analysisRouter({ analysis: calls.analysis, transcripts: calls.transcripts }));
  api.use(scriptsRouter({ scripts: calls.scripts }));
  api.use(reviewRouter({ reviews: calls.reviews }));
  api.use(evaluationFormsRouter({ evaluations: calls.evaluations }));
  api.use(reportsRouter({ reports: calls.reports }));
  api.use(accountRouter(people.auth, capabilities));
  api.use(usersRouter(people.userAccounts));
  api.use(auditRouter(people.auditTrail));
  api.use(savedSearchesRouter(people.savedSearches));
  api.use(retentionRouter(people.retention));
  api.use(trainingRouter(people.training));
  api.use(collectionsRouter(deps.collections));
  api.use(webhooksRouter(deps.webhooks));
  api.use(liveRouter(deps.live, deps.eventStreams));
  if (deps.liveTranscripts) api.use(liveAlertsRouter(deps.liveTranscripts, deps.eventStreams));
  api.use(notFound);
  app.use('/api/v1', api);
  app.use('/api/v1', errorMiddleware(deps.logger));
  if (deps.webDir !== null) app.use(webUi(deps.webDir));
  app.use(notFound);
  app.use(errorMiddleware(deps.logger));
  return app;
}
