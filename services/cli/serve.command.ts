import { createServer, type RequestListener, type Server } from 'node:http';
import { resolveFfmpegPaths } from '../archive/ffmpeg-path.ts';
import { createApp } from '../api/app.ts';
import { RetentionScheduler } from '../api/retention/retention.scheduler.ts';
import { IntegrityScheduler } from '../archive/integrity.service.ts';
import { ensureWebUi } from '../web/static.ts';
import type { Config } from '../platform/config.ts';
import type { Logger } from '../platform/logger.ts';
import { errorMessage, EscuchaError, isEscuchaError } from '../platform/errors.ts';
import { captureLines, startCapture } from './capture.command.ts';
import { buildServices } from '../composition.ts';
import { startWorkers, type RunningWorkers } from './workers.ts';
import { guardProcess } from '../platform/process-guard.ts';
import { attachLiveAudio } from '../api/live/live-audio.socket.ts';
import { startServeLiveTranscript } from './live-transcript.ts';

/** `escucha serve`: API on the configured address, database (embedded by default) and storage. */
export async function runServe(config: Config, logger: Logger): Promise<void> {
  guardProcess(logger);
  // Nothing is archived or analysed without ffmpeg: a missing one stops serve before anything starts.
  const ffmpeg = resolveFfmpegPaths();
  const ctx = await buildServices(config, { logger });
  const web = await ensureWebUi();
  const accounts = ctx.people;
  // Capture (SIPREC/SIP, HEP) in this process, started once the API listens; its spool is part of health.
  let capture: Awaited<ReturnType<typeof startCapture>> | undefined;
  const app = createApp({
    ...ctx.api,
    healthChecks: (): Record<string, string> =>
      capture ? { captureSpool: capture.service.health().spool } : {},
    webDir: web.dir,
  });
  const retention = new RetentionScheduler(accounts.retention, logger.child({ component: 'retention' }));
  const integrity = new IntegrityScheduler(accounts.integrity, logger.child({ component: 'integrity' }));
  let workers: RunningWorkers | undefined;
  if (config.pipeline.workersInServe) {
    try {
      workers = await startWorkers(ctx);
    } catch (error) {
      await ctx.close();
      throw error;
    }
  }
  let server: Server;
  try {
    server = await listen(app, config.host, config.port);
  } catch (error) {
    await workers?.stop();
    await ctx.close();
    throw error;
  }
  server.requestTimeout = 0; // long uploads of multi-hour recordings
  const liveAudio = attachLiveAudio(server, { ...ctx.people, listen: ctx.liveListen, logger }); // live listening
  // Background tasks only once serve is sure to run: a start that fails leaves none behind on a closed database.
  if (config.retentionDaily) retention.start();
  integrity.start();
  accounts.audit.startAnchoring();
  // A capture port taken by another process leaves the API running, and says so.
  let captureNote =
    '  capture:   off in serve (ESCUCHA_CAPTURE_IN_SERVE=false): run  npx escucha capture  (the live views then stay empty)';
  if (config.capture.inServe) {
    try {
      capture = await startCapture(ctx);
    } catch (error) {
      // A bad setting (a TLS certificate that cannot be used, say) is named as it is; a port taken gets the hint.
      const hint =
        isEscuchaError(error) && error.code === 'CONFIG_INVALID'
          ? ' (CONFIG_INVALID)'
          : ' (set ESCUCHA_SIP_PORT / ESCUCHA_HEP_PORT, 0 turns one off)';
      captureNote = `  capture:   NOT RUNNING: ${errorMessage(error)}${hint}`;
      logger.error({ err: error }, 'capture did not start');
    }
  }
  // The live transcript and alerts of the calls captured here, on the recognisers of this process's workers.
  const liveTranscript = capture ? await startServeLiveTranscript(ctx, workers?.recognizers) : null;
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  console.log(`Escucha ${ctx.version} listening on ${url}`);
  console.log(`  API:       ${url}/api/v1   (health: ${url}/api/v1/health)`);
  console.log(
    `  data:      ${config.dataDir}  (database: ${config.databaseUrl ? 'external' : 'embedded'}, storage: ${config.storage})`,
  );
  console.log(
    `  ffmpeg:    ${ffmpeg.ffmpeg} (${ffmpeg.source === 'system' ? 'the system one' : 'bundled with npm'})`,
  );
  console.log(
    workers
      ? `  workers:   in this process (${workers.stages.join(', ')})`
      : '  workers:   none in this process (ESCUCHA_WORKERS_IN_SERVE=false): run  npx escucha worker',
  );
  for (const note of workers?.notes ?? []) console.log(`             ${note}`);
  console.log(`  API key:   in another terminal run  npx escucha keys create --role admin`);
  for (const line of capture ? captureLines(capture.status, config) : [captureNote]) console.log(line);
  if (liveTranscript) console.log(`  live:      transcript ${liveTranscript.note}`);
  console.log(`  web UI:    ${web.dir ? `${url}/` : web.note}`);
  console.log(
    `  sign in:   create users with  npx escucha users add <name> --role admin  (or  npx escucha demo)`,
  );

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'shutting down');
    liveAudio.close();
    ctx.api.eventStreams.close(); // open event streams would keep the server from closing
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await capture?.service.stop();
    await liveTranscript?.stop();
    await retention.stop();
    await integrity.stop();
    await accounts.audit.stopAnchoring();
    await workers?.stop();
    await ctx.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
}

/**
 * Listens on the API's address, or fails with what stopped it (a port another program holds, an address that is not
 * this machine's, a port below 1024 without the right): serve then stops with that message and a non-zero status.
 */
function listen(app: RequestListener, host: string, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer(app);
    server.once('error', (error: NodeJS.ErrnoException) => {
      const where = `${host.includes(':') ? `[${host}]` : host}:${port}`;
      const why =
        error.code === 'EADDRINUSE'
          ? `${where} is already in use by another program: stop it, or choose another port with ESCUCHA_PORT (or --port)`
          : error.code === 'EADDRNOTAVAIL'
            ? `${host} is not an address of this machine: set ESCUCHA_HOST (or --host) to one of its addresses, or 0.0.0.0`
            : error.code === 'EACCES'
              ? `not allowed to listen on ${where} (ports below 1024 need privileges): choose another port with ESCUCHA_PORT`
              : `cannot listen on ${where}: ${error.message}`;
      reject(
        new EscuchaError(error.code === 'EADDRINUSE' ? 'PORT_IN_USE' : 'CONFIG_INVALID', why, {
          cause: error,
        }),
      );
    });
    server.listen(port, host, () => resolve(server));
  });
}
