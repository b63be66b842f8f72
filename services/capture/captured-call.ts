import type { CallMetadata, CapturedStreamStats } from '../../models/call.ts';

export type { CapturedStreamStats, RtcpSummary } from '../../models/call.ts';

/**
 * What capture hands to the archive: one finished call as a two-channel PCM WAV file (agent left, customer
 * right), its metadata from SIP/SIPREC, and what the network showed (RTP statistics, DTMF, pauses). Capture
 * never stores calls itself: a `CallSink` (wired in the cli) does, and capture keeps the call in its spool until
 * the sink has succeeded.
 */

export const CAPTURE_SOURCES = ['siprec', 'sip', 'pcap', 'hep'] as const;
export type CaptureSource = (typeof CAPTURE_SOURCES)[number];

export interface CapturedDtmf {
  channel: number;
  digit: string;
  /** Position in the recording. */
  startMs: number;
  durationMs: number;
  /** `rfc4733` (RTP telephone-event) or `sip-info` (INFO application/dtmf-relay). */
  method: 'rfc4733' | 'sip-info';
}

export interface CapturedPause {
  startMs: number;
  endMs: number;
  /** Why recording paused: a SIPREC/SDP re-INVITE (`inactive`), an INFO request (`info`), or hold. */
  reason: 'inactive' | 'info' | 'hold';
}

export interface OneWayAudioFlag {
  oneWay: boolean;
  silentChannel: number | null;
  reason: string | null;
}

export interface CapturedCall {
  /** Escucha's id for the capture (the spool directory name); also the archive's idempotency key. */
  captureId: string;
  source: CaptureSource;
  /** Two-channel 16-bit PCM WAV, agent left, customer right. */
  filePath: string;
  sizeBytes: number;
  sampleRate: number;
  durationMs: number;
  metadata: CallMetadata;
  streams: CapturedStreamStats[];
  dtmf: CapturedDtmf[];
  pauses: CapturedPause[];
  oneWayAudio: OneWayAudioFlag;
  /** True when the call was rebuilt from the spool after the capture process stopped mid-call. */
  recovered: boolean;
  /** True when the capture ended before the call did (pcap cut short, BYE never seen). */
  truncated: boolean;
  /** Human-readable notes: codecs not decoded, streams rejected, truncation, ... */
  notes: string[];
}

/** Where finished calls go (the archive, in production). Must be idempotent on `captureId`. */
export interface CallSink {
  deliver(call: CapturedCall): Promise<{ callId: string; created: boolean }>;
}
