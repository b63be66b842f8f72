import express, { type Express } from 'express';
import { sql } from 'kysely';
import type { ArchiveService } from '../archive/archive.service.ts';
import type { ObjectStore } from '../archive/object-store.ts';
import { AnalysisRepository } from '../analysis/analysis.repository.ts';
import { CallAnalysisService } from '../analysis/call-analysis.service.ts';
import { OutcomeRepository } from '../analysis/outcome.repository.ts';
import { ScriptRepository } from '../analysis/script.repository.ts';
import { ScriptService } from '../analysis/script.service.ts';
import type { EnqueueStage, StageName } from '../analysis/stages.ts';
import { EvaluationFormRepository } from '../review/evaluation.repository.ts';
import { EvaluationService } from '../review/evaluation.service.ts';
import { ReviewRepository } from '../review/review.repository.ts';
import { ReviewService } from '../review/review.service.ts';
import { TranscriptRepository } from '../transcripts/transcript.repository.ts';
import { TranscriptService } from '../transcripts/transcript.service.ts';
import type { Db } from '../platform/database.ts';
import type { Logger } from '../platform/logger.ts';
import { accountRouters, createAccountServices, type AccountServices } from './auth/accounts.ts';
import type { ApiKeyRepository } from './auth/api-keys.ts';
import { authenticate } from './auth/auth.middleware.ts';
import type { CallQueryRepository } from './calls/call-query.repository.ts';
import { reviewRouter } from './analytics/review.router.ts';
import { evaluationFormsRouter } from './evaluation/evaluation.router.ts';
import { ReportsRepository } from './reports/reports.repository.ts';
import { ReportsService } from './reports/reports.service.ts';
import { reportsRouter } from './reports/reports.router.ts';
import { scriptsRouter } from './analytics/scripts.router.ts';
import { analysisRouter } from './calls/analysis.router.ts';
import { callsRouter } from './calls/calls.router.ts';
import { CallsService } from './calls/calls.service.ts';
import { callAccess } from './auth/call-scope.ts';
import { openApiRoute } from './contract/openapi.ts';
import { errorMiddleware, notFound } from './error.middleware.ts';
import { webUi } from '../web/static.ts';

export interface ApiDeps {
  /** More checks for /health, by name: 'ok' or what is wrong (capture's spool, where serve runs capture). */
  healthChecks?: () => Record<string, string>;
  db: Db;
  logger: Logger;
  archive: ArchiveService;
  queries: CallQueryRepository;
  keys: ApiKeyRepository;
  store: ObjectStore;
  tmpDir: string;
  uploadMaxBytes: number;
  version: string;
  /** Analysis outcomes and transcripts; read straight from the database when not given. */
  outcomes?: OutcomeRepository;
  transcripts?: TranscriptRepository;
  /** The analysis stages this deployment runs, in order (default: every stage). */
  stageOrder?: readonly StageName[];
  /** Enqueues a pipeline stage for a call (re-evaluation with new scripts); without it the API cannot. */
  enqueue?: EnqueueStage;
  /** Users, sessions, audit, retention, training library; built from db and store when not given. */
  accounts?: AccountServices;
  /** Folder of the built web UI served at `/` (default services/web/dist); null serves no UI. */
  webDir?: string | null;
  /** Express `trust proxy` setting: proxies allowed to set X-Forwarded-For/Proto (default none). */
  trustProxy?: string;
}

/** The services of calls, analysis, transcripts, scripts, review, evaluation and reports, built from their dependencies. */
function domainServices(deps: ApiDeps, accounts: AccountServices) {
  const reviews = new ReviewRepository(deps.db);
  const analyses = new AnalysisRepository(deps.db);
  const forms = new EvaluationFormRepository(deps.db);
  return {
    calls: new CallsService({
      archive: deps.archive,
      queries: deps.queries,
      store: deps.store,
      integrity: accounts.integrity,
    }),
    analysis: new CallAnalysisService({
      calls: deps.queries,
      outcomes: deps.outcomes ?? new OutcomeRepository(deps.db),
      analyses,
      reviews,
      stageOrder: deps.stageOrder,
    }),
    transcripts: new TranscriptService({
      calls: deps.queries,
      transcripts: deps.transcripts ?? new TranscriptRepository(deps.db),
      redacted: analyses,
    }),
    scripts: new ScriptService({ scripts: new ScriptRepository(deps.db), enqueue: deps.enqueue }),
    reviews: new ReviewService({
      reviews,
      forms,
      analyses,
      callAccess: (principal, callId) => callAccess(deps.db, principal, callId),
    }),
    evaluations: new EvaluationService({ forms }),
    reports: new ReportsService({ reports: new ReportsRepository(deps.db) }),
  };
}

export function createApp(deps: ApiDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.trustProxy ? deps.trustProxy : false);
  app.set('query parser', 'simple');

  const accounts = deps.accounts ?? createAccountServices(deps);
  const people = accountRouters(app, accounts, deps);
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
      await sql`select 1`.execute(deps.db);
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
  api.use(people.public);
  api.use(authenticate(deps.keys, accounts.sessions));
  api.use(people.guard);
  api.use(express.json({ limit: '1mb' }));
  const domain = domainServices(deps, accounts);
  const auditor = accounts.auditor;
  const files = { tmpDir: deps.tmpDir, uploadMaxBytes: deps.uploadMaxBytes };
  api.use(callsRouter({ calls: domain.calls, auditor, ...files }));
  api.use(analysisRouter({ analysis: domain.analysis, transcripts: domain.transcripts }));
  api.use(scriptsRouter({ scripts: domain.scripts }));
  api.use(reviewRouter({ reviews: domain.reviews, auditor }));
  api.use(evaluationFormsRouter({ evaluations: domain.evaluations, auditor }));
  api.use(reportsRouter({ reports: domain.reports, auditor }));
  api.use(people.routes);
  api.use(notFound);
  app.use('/api/v1', api);
  app.use('/api/v1', errorMiddleware(deps.logger));
  if (deps.webDir !== null) app.use(webUi(deps.webDir));
  app.use(notFound);
  app.use(errorMiddleware(deps.logger));
  return app;
}
