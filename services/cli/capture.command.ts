import path from 'node:path';
import type { Command } from 'commander';
import { resolveFfmpegPaths } from '../archive/ffmpeg-path.ts';
import {
  CaptureService,
  type CaptureServiceOptions,
  type CaptureStatus,
} from '../capture/capture.service.ts';
import { parseHeaderMap, type MetadataRules } from '../capture/call.metadata.ts';
import type { CallSink } from '../capture/captured-call.ts';
import { importCaptureFiles } from '../capture/passive/pcap.importer.ts';
import { parsePortRange } from '../capture/rtp/rtp.ports.ts';
import { undecodableCodecs } from '../capture/spool/call.assembler.ts';
import type { Config } from '../platform/config.ts';
import { EscuchaError, errorMessage } from '../platform/errors.ts';
import type { Logger } from '../platform/logger.ts';
import { ArchiveCallSink } from './capture.sink.ts';
import { buildServices, type Services } from '../composition.ts';
import { guardProcess } from '../platform/process-guard.ts';
import { processTag } from '../platform/leftovers.ts';

/**
 * Network capture from the command line: `escucha capture` (SIPREC/SIP server, HEP receiver and optionally live
 * interface capture, alone in a process), `escucha import-pcap <files>`, and the capture part of `escucha serve`.
 */

export function metadataRules(config: Config): MetadataRules {
  const c = config.capture;
  let agentPattern: RegExp | undefined;
  try {
    agentPattern = c.sipAgentPattern === '' ? undefined : new RegExp(c.sipAgentPattern, 'i');
  } catch (error) {
    throw new EscuchaError('CONFIG_INVALID', `ESCUCHA_SIP_AGENT_PATTERN: ${errorMessage(error)}`);
  }
  try {
    return {
      agentHeader: c.sipAgentHeader,
      headerMap: parseHeaderMap(c.sipHeaders),
      agentPattern,
      defaultAgent: c.sipDefaultAgent,
    };
  } catch (error) {
    throw new EscuchaError('CONFIG_INVALID', `ESCUCHA_SIP_HEADERS: ${errorMessage(error)}`);
  }
}

export function captureOptions(
  config: Config,
  logger: Logger,
  sink: CallSink,
  extras: { interface?: string; sip?: boolean; hep?: boolean } = {},
): CaptureServiceOptions {
  const c = config.capture;
  const iface = liveInterface(config, extras);
  let range;
  try {
    range = parsePortRange(c.rtpPorts);
  } catch (error) {
    throw new EscuchaError('CONFIG_INVALID', `ESCUCHA_RTP_PORTS: ${errorMessage(error)}`);
  }
  return {
    sink,
    logger: logger.child({ component: 'capture' }),
    ffmpegPath: resolveFfmpegPaths().ffmpeg,
    spoolDir: c.spoolDir,
    flushMs: c.spoolFlushMs,
    silenceDtmf: c.dtmfSilence,
    keepDtmfDigits: c.dtmfDigits === 'stored',
    rules: metadataRules(config),
    rtp: {
      range,
      host: c.sipHost,
      receiver: c.rtpReceiver,
      ...(c.sipMaxStreamsPerSource !== undefined ? { maxPerSource: c.sipMaxStreamsPerSource } : {}),
    },
    idleMs: c.idleSeconds * 1000,
    ...(c.sipPort > 0 && extras.sip !== false
      ? {
          sip: {
            host: c.sipHost,
            port: c.sipPort,
            transports: c.sipTransports,
            allow: c.sipAllow,
            ...(c.sipMediaAddress ? { mediaAddress: c.sipMediaAddress } : {}),
            acceptPlainInvite: c.sipAcceptPlainInvite,
            mediaTimeoutMs: c.sipMediaTimeoutSeconds * 1000,
            ...(c.sipTransports.includes('tls') && c.sipTlsCert && c.sipTlsKey
              ? {
                  tls: {
                    port: c.sipTlsPort,
                    cert: c.sipTlsCert,
                    key: c.sipTlsKey,
                    ...(c.sipTlsCa ? { ca: c.sipTlsCa } : {}),
                    clientNames: c.sipTlsClientNames,
                  },
                }
              : {}),
          },
        }
      : {}),
    ...(c.hepPort > 0 && extras.hep !== false
      ? {
          hep: {
            host: c.hepHost,
            port: c.hepPort,
            transports: ['udp', 'tcp'] as const,
            authKey: c.hepAuthKey,
            allow: c.hepAllow,
          },
        }
      : {}),
    ...(iface ? { live: { interface: iface, filter: c.liveFilter } } : {}),
  };
}

/** The network interface captured live: `--interface` of `escucha capture`, else ESCUCHA_CAPTURE_INTERFACE. */
function liveInterface(config: Config, extras: { interface?: string }): string | undefined {
  return extras.interface ?? config.capture.interface;
}

/** Banner lines describing what capture listens on. */
export function captureLines(status: CaptureStatus, config: Config): string[] {
  const lines: string[] = [];
  const sip = status.sip;
  const c = config.capture;
  const plain = c.sipTransports.filter((t) => t !== 'tls');
  lines.push(
    sip
      ? `  SIP:       ${c.sipHost}:${sip.udpPort ?? sip.tcpPort ?? sip.tlsPort} (${(plain.length > 0 ? plain : c.sipTransports).join(', ')}; allowed: ${c.sipAllow.join(', ')}; RTP ${c.rtpPorts}, ${status.rtpReceiver} receiver, ${status.rtpStreamsPerSource} streams per source)`
      : '  SIP:       off (ESCUCHA_SIP_PORT=0)',
  );
  if (sip?.tlsPort !== undefined) {
    const clients = c.sipTlsCa
      ? `client certificates from ${c.sipTlsCa}${c.sipTlsClientNames.length > 0 ? ` named ${c.sipTlsClientNames.join(', ')}` : ''}`
      : 'no client certificate asked for';
    lines.push(
      `  SIP TLS:   ${c.sipHost}:${sip.tlsPort} (sips, TLS 1.2 or later; certificate ${c.sipTlsCert ?? ''}; ${clients}; allowed: ${c.sipAllow.join(', ')})`,
    );
  }
  lines.push(
    status.hep
      ? `  HEP:       ${config.capture.hepHost}:${status.hep.udpPort ?? status.hep.tcpPort} (udp, tcp${config.capture.hepAuthKey ? ', auth key required' : ''})`
      : '  HEP:       off (ESCUCHA_HEP_PORT=0)',
  );
  if (status.live) lines.push(`  live:      capturing on ${status.live} (${config.capture.liveFilter})`);
  lines.push(
    `  spool:     ${config.capture.spoolDir}${status.recovered > 0 ? ` (${status.recovered} calls recovered)` : ''}`,
  );
  return lines;
}

/** Starts capture on an application context (serve, capture). */
export async function startCapture(
  ctx: Services,
  extras: { interface?: string; sip?: boolean; hep?: boolean } = {},
): Promise<{ service: CaptureService; status: CaptureStatus }> {
  const sink = new ArchiveCallSink(ctx.archive, ctx.captureDetails);
  const service = new CaptureService({
    ...captureOptions(ctx.config, ctx.logger, sink, extras),
    liveTap: ctx.live,
  });
  const status = await service.start();
  return { service, status };
}

async function runCapture(
  config: Config,
  logger: Logger,
  opts: { interface?: string; sip: boolean; hep: boolean },
): Promise<void> {
  const c = config.capture;
  guardProcess(logger);
  const sipOn = opts.sip && c.sipPort > 0;
  const hepOn = opts.hep && c.hepPort > 0;
  if (!sipOn && !hepOn && !liveInterface(config, opts)) {
    throw new EscuchaError(
      'CONFIG_INVALID',
      'nothing to capture: SIP and HEP are off (ESCUCHA_SIP_PORT=0, ESCUCHA_HEP_PORT=0) and no interface was given (--interface or ESCUCHA_CAPTURE_INTERFACE)',
    );
  }
  const ctx = await buildServices(config, { logger });
  let started;
  try {
    started = await startCapture(ctx, {
      ...(opts.interface ? { interface: opts.interface } : {}),
      sip: opts.sip,
      hep: opts.hep,
    });
  } catch (error) {
    await ctx.close();
    throw error;
  }
  console.log(`Escucha ${ctx.version} capture running`);
  for (const line of captureLines(started.status, config)) console.log(line);
  // The live views (board, listening, live transcript, alerts) are served by the process that captures.
  console.log(
    '  live view: not from this process (calls captured here reach search once archived; to watch them live, capture in escucha serve: ESCUCHA_CAPTURE_IN_SERVE, ESCUCHA_CAPTURE_INTERFACE)',
  );
  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'shutting down capture');
    await started.service.stop({ waitForDelivery: false });
    await ctx.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
}

async function runImportPcap(
  config: Config,
  logger: Logger,
  files: string[],
  opts: { orphanRtp: boolean; force: boolean },
): Promise<boolean> {
  const ctx = await buildServices(config, { logger });
  try {
    const c = config.capture;
    const report = await importCaptureFiles(files, {
      sink: new ArchiveCallSink(ctx.archive, ctx.captureDetails),
      rules: metadataRules(config),
      logger,
      ffmpegPath: resolveFfmpegPaths().ffmpeg,
      workDir: path.join(config.tmpDir, `import-pcap-${processTag()}-${Date.now()}`),
      silenceDtmf: c.dtmfSilence,
      keepDtmfDigits: c.dtmfDigits === 'stored',
      idleMs: c.idleSeconds * 1000,
      orphanRtp: opts.orphanRtp,
      force: opts.force,
    });
    let ok = report.failed.length === 0;
    for (const f of report.files) {
      const parts = [
        `${f.file}: ${f.format ?? 'unreadable'}, ${f.frames} frames, ${f.sipMessages} SIP messages, ${f.dialogs} dialogs, ${f.calls} calls`,
      ];
      if (f.rtpOnlyCalls > 0) parts.push(`${f.rtpOnlyCalls} from RTP without SIP`);
      if (f.rtpRelayLegs > 0) parts.push(`${f.rtpRelayLegs} relay legs of recorded RTP (recorded once)`);
      const rejected = Object.entries(f.rtpRejected).map(([reason, n]) => `${reason} ${n}`);
      if (rejected.length > 0) parts.push(`UDP flows not taken for RTP: ${rejected.join(', ')}`);
      if (f.dialogsWithoutMedia > 0) parts.push(`${f.dialogsWithoutMedia} dialogs without RTP`);
      if (f.callsCut > 0)
        parts.push(`${f.callsCut} calls cut by the end of the capture (archived as truncated)`);
      if (f.truncated)
        parts.push(`file cut short at byte ${f.truncatedAt}: complete frames before it were used`);
      if (f.corrupt) parts.push(`corrupt: ${f.corrupt}`);
      if (f.tcpGaps > 0) parts.push(`${f.tcpGaps} TCP gaps skipped`);
      if (f.error) {
        parts.push(`error: ${f.error}`);
        ok = false;
      }
      console.log(parts.join('; '));
    }
    const undecodable = new Map<string, number>();
    for (const a of report.archived) {
      const call = a.call;
      const codecs = undecodableCodecs(call);
      for (const codec of codecs) undecodable.set(codec, (undecodable.get(codec) ?? 0) + 1);
      console.log(
        `archived ${a.callId}${a.created ? '' : ' (already archived)'}: ${call.metadata.sipCallId ?? call.captureId}, ${(call.durationMs / 1000).toFixed(2)} s, ${call.streams.length} streams, ${call.dtmf.length} DTMF${call.truncated ? ', truncated' : ''}${codecs.length > 0 ? `, audio not decodable: ${codecs.join(', ')}` : ''}`,
      );
    }
    if (undecodable.size > 0) {
      ok = false;
      const list = [...undecodable]
        .sort(([a], [b]) => a.localeCompare(b, 'en', { sensitivity: 'base' }))
        .map(([codec, calls]) => `${codec} (${calls} ${calls === 1 ? 'call' : 'calls'})`);
      console.log(
        `audio not decodable: ${list.join(', ')}; archived with their metadata and length, silence where that audio was`,
      );
    }
    for (const f of report.failed) console.log(`failed: ${f.error} (kept in ${f.dir})`);
    const already = report.archived.filter((a) => !a.created).length;
    console.log(
      `imported ${report.archived.length - already} calls from ${report.files.length} files, already archived ${already}` +
        `${already > 0 ? ' (skipped; --force imports them again as new calls)' : ''}, failed ${report.failed.length} (${report.packetsPerSecond} packets/s)`,
    );
    return ok;
  } finally {
    await ctx.close();
  }
}

export function registerCaptureCommands(
  program: Command,
  config: () => Config,
  logger: (cfg: Config, level?: string) => Logger,
): void {
  program
    .command('capture')
    .description(
      'record calls from the network: SIPREC/SIP server (ESCUCHA_SIP_PORT), HEP v3 receiver (ESCUCHA_HEP_PORT), and with --interface live capture (needs tcpdump or dumpcap and capture privileges)',
    )
    .option(
      '-i, --interface <if>',
      'also capture SIP and RTP live on this network interface (SPAN/mirror port)',
    )
    .option('--no-sip', 'do not run the SIP server')
    .option('--no-hep', 'do not run the HEP receiver')
    .action(async (opts: { interface?: string; sip: boolean; hep: boolean }) => {
      const cfg = config();
      await runCapture(cfg, logger(cfg), opts);
    });
  program
    .command('import-pcap <files...>')
    .description(
      'archive the calls in capture files (pcap, pcapng): SIP over UDP and TCP with its RTP, one call per dialog',
    )
    .option('--no-rtp-only', 'skip RTP flows that no SIP dialog in the file describes')
    .option(
      '--force',
      'import calls already archived from an earlier import of the same capture again, as new calls',
      false,
    )
    .action(async (files: string[], opts: { rtpOnly: boolean; force: boolean }) => {
      const cfg = config();
      const ok = await runImportPcap(cfg, logger(cfg, 'warn'), files, {
        orphanRtp: opts.rtpOnly,
        force: opts.force,
      });
      if (!ok) process.exitCode = 1;
    });
}
