/**
 * What the live-listening WebSocket (`/api/v1/live/calls/:captureId/audio?party=both|agent|customer`) carries, for
 * the server (services/api/live/live-audio.socket.ts) and the browser's player alike: no imports, so the web UI
 * bundles it as it is.
 *
 * Binary messages are audio frames: a 16-byte header, then 16-bit little-endian PCM at 8 kHz, mono for one party,
 * interleaved stereo for both (channel 0 the agent, channel 1 the customer, as in the archived recording).
 *
 * | bytes | field |
 * |---|---|
 * | 0 | kind (1: audio) |
 * | 1 | channels (1 or 2) |
 * | 2–3 | flags (uint16 LE): 1 a key press was silenced in the frame, 2 the recording is paused (silence) |
 * | 4–7 | sequence (uint32 LE), from 0 |
 * | 8–11 | the frame's start, ms since the call started (uint32 LE) |
 * | 12–13 | how far behind the call the server sent it, ms (uint16 LE) |
 * | 14–15 | frames the server dropped just before this one (slow reader, or more than 2 s behind) |
 *
 * Text messages are JSON (`LiveAudioMessage`): `start` first, `notice`, `paused` and `resumed` as they happen, and
 * `end` when the call ends (the server then closes with 1000) or the listen is stopped (`error`, then a close with
 * 4000 + the HTTP status of the error).
 */

export const LIVE_AUDIO_SAMPLE_RATE = 8000;
export const LIVE_AUDIO_HEADER_BYTES = 16;
export const LIVE_AUDIO_KIND = 1;
export const LIVE_PARTIES = ['both', 'agent', 'customer'] as const;
export type LiveParty = (typeof LIVE_PARTIES)[number];

/** Frame flags. */
export const FRAME_KEY_PRESS = 1;
export const FRAME_PAUSED = 2;

export interface LiveAudioFrame {
  channels: 1 | 2;
  flags: number;
  sequence: number;
  /** Ms since the call started. */
  startMs: number;
  lagMs: number;
  dropped: number;
  /** Interleaved when `channels` is 2. */
  samples: Int16Array;
}

export type LiveAudioMessage =
  | {
      type: 'start';
      captureId: string;
      party: LiveParty;
      sampleRate: number;
      channels: 1 | 2;
      frameMs: number;
      /** When the call started (epoch ms). */
      startedAtMs: number;
      pausedSinceMs: number | null;
    }
  /** `AUDIO_NOT_LIVE`: a party's stream carries no audio that can be played live (see docs/ARCHITECTURE.md). */
  | { type: 'notice'; code: 'AUDIO_NOT_LIVE'; party: 'agent' | 'customer' }
  | { type: 'paused'; sinceMs: number }
  | { type: 'resumed' }
  | { type: 'end'; reason: string }
  | { type: 'error'; code: string; message: string };

/** The path of a call's live audio under /api/v1. */
export function liveAudioPath(captureId: string, party: LiveParty): string {
  return `/live/calls/${encodeURIComponent(captureId)}/audio?party=${party}`;
}

export function encodeAudioFrame(frame: LiveAudioFrame): Uint8Array {
  const out = new Uint8Array(LIVE_AUDIO_HEADER_BYTES + frame.samples.length * 2);
  const view = new DataView(out.buffer);
  view.setUint8(0, LIVE_AUDIO_KIND);
  view.setUint8(1, frame.channels);
  view.setUint16(2, frame.flags, true);
  view.setUint32(4, frame.sequence >>> 0, true);
  view.setUint32(8, Math.max(0, Math.min(0xffffffff, Math.round(frame.startMs))), true);
  view.setUint16(12, Math.max(0, Math.min(0xffff, Math.round(frame.lagMs))), true);
  view.setUint16(14, Math.max(0, Math.min(0xffff, frame.dropped)), true);
  for (let i = 0; i < frame.samples.length; i++)
    view.setInt16(LIVE_AUDIO_HEADER_BYTES + i * 2, frame.samples[i]!, true);
  return out;
}

/** An audio frame from a binary message; undefined when it is not one. */
export function decodeAudioFrame(data: ArrayBuffer | Uint8Array): LiveAudioFrame | undefined {
  const bytes = data instanceof Uint8Array ? data : new Uint8Array(data);
  if (bytes.length < LIVE_AUDIO_HEADER_BYTES) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const channels = view.getUint8(1);
  if (view.getUint8(0) !== LIVE_AUDIO_KIND || (channels !== 1 && channels !== 2)) return undefined;
  const count = Math.floor((bytes.length - LIVE_AUDIO_HEADER_BYTES) / 2);
  const samples = new Int16Array(count);
  for (let i = 0; i < count; i++) samples[i] = view.getInt16(LIVE_AUDIO_HEADER_BYTES + i * 2, true);
  return {
    channels,
    flags: view.getUint16(2, true),
    sequence: view.getUint32(4, true),
    startMs: view.getUint32(8, true),
    lagMs: view.getUint16(12, true),
    dropped: view.getUint16(14, true),
    samples,
  };
}
