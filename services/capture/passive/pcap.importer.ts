import { createReadStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../../platform/logger.ts';
import { CallDelivery, type DeliveryOutcome } from '../spool/call.delivery.ts';
import { assemblerOptionsOf } from '../spool/call.assembler.ts';
import type { MetadataRules } from '../call.metadata.ts';
import type { CallSink } from '../captured-call.ts';
import { correlatable, PacketCorrelator } from './packet.correlator.ts';
import { PacketDecoder } from './packet.decode.ts';
import { CaptureReader } from './pcap.ts';
import type { RtpRejectReason } from './rtp.orphans.ts';
import type { StreamRecorderOptions } from '../rtp/stream.recorder.ts';

/**
 * `escucha import-pcap`: reads capture files (pcap or pcapng, any size, streamed), follows every SIP dialog over
 * UDP and TCP with its RTP, and archives one call per dialog through the sink. A file cut short yields what it
 * holds: complete frames are used, dialogs still open at the end are archived as truncated, and the report says
 * where the file was cut.
 */

export interface ImportOptions {
  sink: CallSink;
  rules: MetadataRules;
  logger: Logger;
  ffmpegPath: string;
  /** Work directory for the calls being assembled (removed when every call is archived). */
  workDir: string;
  silenceDtmf: boolean;
  /** Keep the digits of key presses (default false: reported as X). */
  keepDtmfDigits?: boolean;
  /** Dialogs idle this long (capture clock) are closed (default 120 s). */
  idleMs?: number;
  /** Record RTP flows that no SIP dialog describes (default true). */
  orphanRtp?: boolean;
  /**
   * Import calls already archived from an earlier import of the same capture again, as new calls (default false:
   * each call's id comes from its dialog and start, and the archive reports the ones it already holds).
   */
  force?: boolean;
  /** Attempts per call before giving up (default 3). */
  maxAttempts?: number;
  recorder?: StreamRecorderOptions;
}

export interface FileReport {
  file: string;
  format: string | undefined;
  frames: number;
  packets: number;
  sipMessages: number;
  sipMalformed: number;
  dialogs: number;
  dialogsWithoutMedia: number;
  calls: number;
  /** Calls recorded from RTP with no SIP in the file. */
  rtpOnlyCalls: number;
  /** UDP flows without SIP that were not recorded, by reason (DNS, TLS/DTLS, STUN, not RTP, failed checks...). */
  rtpRejected: Partial<Record<RtpRejectReason, number>>;
  /** Flows without SIP that repeated media already recorded on another leg (a relay): recorded once. */
  rtpRelayLegs: number;
  /** Dialogs (with media) still open when the file ended: archived as truncated. */
  callsCut: number;
  truncated: boolean;
  truncatedAt: number | undefined;
  corrupt: string | undefined;
  tcpGaps: number;
  error: string | undefined;
}

export interface ImportReport {
  files: FileReport[];
  archived: DeliveryOutcome[];
  failed: Array<{ dir: string; error: string }>;
  packetsPerSecond: number;
}

export async function importCaptureFiles(
  files: readonly string[],
  options: ImportOptions,
): Promise<ImportReport> {
  await mkdir(options.workDir, { recursive: true });
  const delivery = new CallDelivery({
    sink: options.sink,
    logger: options.logger.child({ component: 'import-pcap' }),
    assembler: assemblerOptionsOf(options),
    maxAttempts: options.maxAttempts ?? 3,
    retryMs: 500,
    maxRetryMs: 5000,
  });
  const archived: DeliveryOutcome[] = [];
  delivery.onDelivered((outcome) => archived.push(outcome));
  const reports: FileReport[] = [];
  let packets = 0;
  let seconds = 0;
  for (const [index, file] of files.entries()) {
    const started = performance.now();
    // A spool root per file: the same capture named twice gives calls with the same ids.
    const spoolRoot = path.join(options.workDir, 'calls', String(index));
    const report = await importOne(file, spoolRoot, options, (dir) => delivery.enqueue(dir));
    seconds += (performance.now() - started) / 1000;
    packets += report.packets;
    reports.push(report);
  }
  await delivery.idle();
  await delivery.stop();
  if (delivery.givenUp.length === 0) await rm(options.workDir, { recursive: true, force: true });
  return {
    files: reports,
    archived,
    failed: delivery.givenUp,
    packetsPerSecond: seconds > 0 ? Math.round(packets / seconds) : 0,
  };
}

async function importOne(
  file: string,
  spoolRoot: string,
  options: ImportOptions,
  ended: (dir: string) => void,
): Promise<FileReport> {
  const correlator = new PacketCorrelator({
    spoolRoot,
    captureIds: options.force ? 'random' : 'by-dialog',
    fsync: false,
    rules: options.rules,
    logger: options.logger,
    idleMs: options.idleMs ?? 120_000,
    source: 'pcap',
    orphanRtp: options.orphanRtp ?? true,
    onCallEnded: ended,
    ...(options.recorder ? { recorder: options.recorder } : {}),
  });
  const report: FileReport = {
    file,
    format: undefined,
    frames: 0,
    packets: 0,
    sipMessages: 0,
    sipMalformed: 0,
    dialogs: 0,
    dialogsWithoutMedia: 0,
    calls: 0,
    rtpOnlyCalls: 0,
    rtpRejected: {},
    rtpRelayLegs: 0,
    callsCut: 0,
    truncated: false,
    truncatedAt: undefined,
    corrupt: undefined,
    tcpGaps: 0,
    error: undefined,
  };
  // Large reads: fewer system calls, and bigger batches of frames handled without waiting.
  const reader = new CaptureReader(createReadStream(file, { highWaterMark: 1 << 20 }));
  const decoder = new PacketDecoder();
  let lastTime = 0;
  try {
    for await (const batch of reader.batches()) {
      for (const frame of batch) {
        lastTime = frame.timeMs;
        const packet = decoder.decode(frame);
        if (!correlatable(packet)) continue;
        // a packet of a known stream is handled at once, without a promise
        const pending = correlator.feed(packet);
        if (pending) await pending;
      }
    }
  } catch (error) {
    report.error = error instanceof Error ? error.message : String(error);
  }
  const open = await correlator.closeAll('capture-ended', lastTime);
  const s = correlator.stats;
  return {
    ...report,
    format: reader.format,
    frames: reader.framesRead,
    packets: s.packets,
    sipMessages: s.sipMessages,
    sipMalformed: s.sipMalformed,
    dialogs: s.dialogs,
    dialogsWithoutMedia: s.dialogsWithoutMedia,
    calls: s.callsRecorded + s.orphanCalls,
    rtpOnlyCalls: s.orphanCalls,
    rtpRejected: Object.fromEntries(
      Object.entries(correlator.orphanStats.rejected ?? {}).filter(([, n]) => n > 0),
    ),
    rtpRelayLegs: correlator.orphanStats.relayLegs,
    callsCut: open.calls,
    truncated: reader.truncated,
    truncatedAt: reader.truncatedAt,
    corrupt: reader.corrupt ? `${reader.corrupt.reason} at byte ${reader.corrupt.offset}` : undefined,
    tcpGaps: correlator.tcpStats.gaps,
  };
}
