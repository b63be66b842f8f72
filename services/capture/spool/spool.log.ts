import { constants as fsConstants, createReadStream } from 'node:fs';
import { mkdir, open, rm, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import { EscuchaError, errorMessage, isDiskFull } from '../../platform/errors.ts';
import { ByteSource } from '../passive/byte-source.ts';
import { decodeG711Into, type G711Law } from '../rtp/g711.ts';

/**
 * The crash-safe spool of one call in progress: an append-only log of records in `<dir>/call.spool`, written in
 * small batches and made durable (`flush`, called at least every second by the capture process: the file is opened
 * O_DSYNC where the platform has it, else each flush ends in an fdatasync). Each record is
 * `[u8 type][u32 length][payload][u32 crc32]`, so a process killed mid-write leaves at worst one torn record at
 * the end, which the reader ignores. Audio is stored per stream (track), positioned on the stream's own timeline:
 * G.711 as its 8-bit codes (half the bytes of PCM, and no decoding while the call runs; the reader decodes them and
 * hands them on as PCM), other decoded codecs as 16-bit PCM, and codecs decoded later by ffmpeg as their RTP
 * payloads.
 */

export const SPOOL_FILE = 'call.spool';
const MAGIC = Buffer.from('ESPOOL01', 'latin1');

export const RECORD_EVENT = 1;
export const RECORD_PCM = 2;
export const RECORD_PAYLOAD = 3;
export const RECORD_SILENCE = 4;
/** `[u16 track][u32 position][u8 law: 0 µ-law, 1 A-law][codes]`: read back as a `pcm` record. */
export const RECORD_G711 = 5;

/** A JSON event: call header, stream description, DTMF, pause, stats, end. */
export type SpoolEvent = { t: string } & Record<string, unknown>;

export type SpoolRecord =
  | { type: 'event'; event: SpoolEvent }
  | { type: 'pcm'; track: number; position: number; samples: Int16Array }
  | { type: 'silence'; track: number; position: number; count: number }
  | { type: 'payload'; track: number; position: number; trim: number; payload: Buffer }
  /** A PCM record read with `eventsOnly`: where it lies, without its samples. */
  | { type: 'extent'; track: number; position: number; count: number };

/**
 * The last write that failed under each spool root (a full disk, mostly), until a write there succeeds again: what
 * capture's health reports. Kept per root, as every call in progress writes its own spool under it.
 */
const failingRoots = new Map<string, SpoolFailure>();

export interface SpoolFailure {
  /** The latest failure. */
  error: unknown;
  /** When writes there started failing, and when one last failed (ms since the epoch). */
  since: number;
  last: number;
}

/** The write failure of a spool root that no later write there has cleared, or undefined. */
export function spoolRootFailure(root: string): SpoolFailure | undefined {
  return failingRoots.get(root);
}

/** Records the outcome of a write under a spool root (capture's health probe writes one too). */
export function noteSpoolWrite(root: string, error?: unknown): void {
  if (error === undefined) {
    failingRoots.delete(root);
    return;
  }
  const now = Date.now();
  failingRoots.set(root, { error, since: failingRoots.get(root)?.since ?? now, last: now });
}

/** The error a failed spool write is reported with: DISK_FULL naming the spool when the disk is out of space. */
function spoolWriteError(dir: string, what: string, error: unknown): EscuchaError {
  return isDiskFull(error)
    ? new EscuchaError('DISK_FULL', `capture spool ${dir}: the disk is full; ${what}`, { cause: error })
    : new EscuchaError('INTERNAL', `capture spool ${dir}: ${what}: ${errorMessage(error)}`, { cause: error });
}

export interface SpoolWriterOptions {
  /** Make every flush durable (default true; imports of files turn it off). */
  fsync?: boolean;
}

interface PendingPcm {
  position: number;
  chunks: Int16Array[];
  samples: number;
}

/** G.711 record header: type, length, track, position, law. */
const G711_HEAD = 5 + 7;
/** Codes a G.711 record holds before another is started (half a second at 8 kHz). */
const G711_RECORD_CODES = 4000;

/** The G.711 record of one track being filled in place: codes are copied straight into it. */
class G711Stage {
  readonly record = Buffer.allocUnsafe(G711_HEAD + G711_RECORD_CODES + 4);
  law = 0;
  position = 0;
  codes = 0;
}

function frameRecord(type: number, payload: Buffer): Buffer {
  const out = recordOf(type, payload.length);
  payload.copy(out, 5);
  return sealRecord(out);
}

/** A record of `length` body bytes with its type and length written; the body goes at offset 5, written in place. */
function recordOf(type: number, length: number): Buffer {
  const out = Buffer.allocUnsafe(length + 9);
  out[0] = type;
  out.writeUInt32LE(length, 1);
  return out;
}

/** Writes the CRC-32 of type, length and body at the end of a record from `recordOf`. */
function sealRecord(out: Buffer): Buffer {
  const end = out.length - 4;
  out.writeUInt32LE(crc32(out.subarray(0, end)), end);
  return out;
}

export class SpoolWriter {
  readonly dir: string;
  private readonly fsync: boolean;
  private handle: FileHandle | undefined;
  private queue: Buffer[] = [];
  private queuedBytes = 0;
  /** Consecutive PCM of each track, merged into one record per flush. */
  private readonly pendingPcm = new Map<number, PendingPcm>();
  /** G.711 records being filled, by track (undefined when none is open). */
  private readonly stages: Array<G711Stage | undefined> = [];
  /** Tracks with an open G.711 record. */
  private openStages = 0;
  /** Bytes in pending PCM and open G.711 records. */
  private stagedBytes = 0;
  private flushing: Promise<void> = Promise.resolve();
  private closed = false;
  private closing: Promise<void> | undefined;
  /** Bytes made durable so far (the length of the log on disk). */
  written = 0;
  /**
   * Bytes of records that could not be written (the disk full): the spool is then not the whole call. A flush that
   * succeeds afterwards first writes a `loss` event saying how much went, so the call is never read back as whole.
   */
  lostBytes = 0;
  private unreportedLoss = 0;
  private lastError: unknown;

  constructor(dir: string, options: SpoolWriterOptions = {}) {
    this.dir = dir;
    this.fsync = options.fsync ?? true;
  }

  get file(): string {
    return path.join(this.dir, SPOOL_FILE);
  }

  /** Creates the directory and the log; the first event should describe the call. */
  async open(first: SpoolEvent): Promise<void> {
    try {
      await mkdir(this.dir, { recursive: true });
      // Where the system has O_DSYNC, each write returns once durable: one system call and one trip to the thread
      // pool per flush instead of a write and an fdatasync.
      this.handle = await open(this.file, this.fsync && DSYNC_APPEND !== undefined ? DSYNC_APPEND : 'a');
      this.queue.push(MAGIC);
      this.queuedBytes += MAGIC.length;
      this.event(first);
      await this.flush();
      if (this.fsync) {
        // The directory entry of a new file is durable only once the directory itself is synced.
        const dirHandle = await open(this.dir, 'r');
        await dirHandle.sync().finally(() => dirHandle.close());
      }
    } catch (error) {
      // No call is recorded into a spool that could not be started, and none is left behind to be recovered.
      this.closed = true;
      await this.handle?.close().catch(() => undefined);
      this.handle = undefined;
      await rm(this.dir, { recursive: true, force: true }).catch(() => undefined);
      noteSpoolWrite(path.dirname(this.dir), error);
      throw error instanceof EscuchaError
        ? error
        : spoolWriteError(this.dir, 'cannot start the spool', error);
    }
  }

  event(event: SpoolEvent): void {
    this.flushPcmOf(undefined);
    this.sealStages();
    this.push(frameRecord(RECORD_EVENT, Buffer.from(JSON.stringify(event), 'utf8')));
  }

  pcm(track: number, position: number, samples: Int16Array): void {
    if (samples.length === 0) return;
    if (this.openStages > 0) this.sealStage(track);
    this.stagedBytes += samples.length * 2;
    const pending = this.pendingPcm.get(track);
    if (pending && pending.position + pending.samples === position) {
      pending.chunks.push(samples);
      pending.samples += samples.length;
      return;
    }
    if (pending) this.flushPcmOf(track);
    this.pendingPcm.set(track, { position, chunks: [samples], samples: samples.length });
  }

  /**
   * G.711 audio: the codes `data[start, start + count)` at `position` (one sample each). Contiguous audio of a
   * track goes into one record, copied there once; nothing is decoded until the spool is read.
   */
  g711(track: number, position: number, law: G711Law, data: Buffer, start: number, count: number): void {
    if (count <= 0 || this.closed) return;
    const code = law === 'PCMU' ? 0 : 1;
    let stage = this.stages[track];
    if (
      stage !== undefined &&
      (stage.law !== code ||
        stage.position + stage.codes !== position ||
        stage.codes + count > G711_RECORD_CODES)
    ) {
      this.sealStage(track);
      stage = undefined;
    }
    if (stage === undefined) {
      if (this.pendingPcm.size > 0) this.flushPcmOf(track);
      if (count > G711_RECORD_CODES) {
        // Longer than a record holds (not a packet of any real stream): written as PCM.
        const samples = new Int16Array(count);
        decodeG711Into(data, start, start + count, law, samples, 0);
        this.pcm(track, position, samples);
        return;
      }
      stage = new G711Stage();
      stage.law = code;
      stage.position = position;
      this.stages[track] = stage;
      this.openStages++;
    }
    data.copy(stage.record, G711_HEAD + stage.codes, start, start + count);
    stage.codes += count;
    this.stagedBytes += count;
  }

  silence(track: number, position: number, count: number): void {
    if (count <= 0) return;
    this.flushPcmOf(track);
    if (this.openStages > 0) this.sealStage(track);
    const record = recordOf(RECORD_SILENCE, 10);
    record.writeUInt16LE(track, 5);
    record.writeUInt32LE(position >>> 0, 7);
    record.writeUInt32LE(count >>> 0, 11);
    this.push(sealRecord(record));
  }

  payload(track: number, position: number, trim: number, payload: Buffer): void {
    this.flushPcmOf(track);
    if (this.openStages > 0) this.sealStage(track);
    const record = recordOf(RECORD_PAYLOAD, 10 + payload.length);
    record.writeUInt16LE(track, 5);
    record.writeUInt32LE(position >>> 0, 7);
    record.writeUInt32LE(trim >>> 0, 11);
    payload.copy(record, 15);
    this.push(sealRecord(record));
  }

  /** Bytes waiting for the next flush. */
  get pendingBytes(): number {
    return this.queuedBytes + this.stagedBytes;
  }

  /** Writes what is buffered and makes it durable. Flushes never overlap; each waits for the previous. */
  flush(): Promise<void> {
    const next = this.flushing.then(() => this.doFlush());
    this.flushing = next.catch(() => undefined);
    return next;
  }

  private async doFlush(): Promise<void> {
    this.flushPcmOf(undefined);
    this.sealStages();
    if (!this.handle || this.queue.length === 0) return;
    const handle = this.handle;
    let records = this.queue;
    const bytes = this.queuedBytes;
    this.queue = [];
    this.queuedBytes = 0;
    let total = bytes;
    if (this.unreportedLoss > 0) {
      const loss = frameRecord(
        RECORD_EVENT,
        Buffer.from(
          JSON.stringify({ t: 'loss', bytes: this.unreportedLoss, reason: errorMessage(this.lastError) }),
          'utf8',
        ),
      );
      records = [loss, ...records];
      total += loss.length;
    }
    try {
      // One gathered write per flush: the records are not copied again into a single buffer.
      for (let at = 0; at < records.length; at += IOV_MAX) {
        const batch = records.slice(at, at + IOV_MAX);
        const wanted = batch.reduce((n, b) => n + b.length, 0);
        const { bytesWritten } = await handle.writev(batch);
        if (bytesWritten !== wanted) {
          // A short gathered write (rare, e.g. a full disk): write the rest in order.
          const rest = Buffer.concat(batch).subarray(bytesWritten);
          await handle.write(rest, 0, rest.length);
        }
      }
      if (this.fsync && DSYNC_APPEND === undefined) await handle.datasync();
    } catch (error) {
      // The records of this flush are lost (memory must not grow while the disk stays full); what part of them
      // reached the file goes too, so the log ends on a whole record and later records still read back.
      await handle.truncate(this.written).catch(() => undefined);
      this.lostBytes += bytes;
      this.unreportedLoss += bytes;
      this.lastError = spoolWriteError(this.dir, `${this.lostBytes} bytes of this call not written`, error);
      noteSpoolWrite(path.dirname(this.dir), this.lastError);
      throw this.lastError;
    }
    this.written += total;
    this.unreportedLoss = 0;
    noteSpoolWrite(path.dirname(this.dir));
  }

  /** Writes what is left and closes the log; the handle is closed even when that last write fails. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      try {
        await this.flush();
      } finally {
        this.closed = true;
        await this.handle?.close().catch(() => undefined);
        this.handle = undefined;
      }
    })();
    return this.closing;
  }

  private push(record: Buffer): void {
    if (this.closed) return;
    this.queue.push(record);
    this.queuedBytes += record.length;
  }

  /** Closes the open G.711 record of a track: its length and CRC are written and it joins the queue. */
  private sealStage(track: number): void {
    const stage = this.stages[track];
    if (stage === undefined) return;
    this.stages[track] = undefined;
    this.openStages--;
    this.stagedBytes -= stage.codes;
    const length = 7 + stage.codes;
    const record = stage.record.subarray(0, 5 + length + 4);
    record[0] = RECORD_G711;
    record.writeUInt32LE(length, 1);
    record.writeUInt16LE(track, 5);
    record.writeUInt32LE(stage.position >>> 0, 7);
    record[11] = stage.law;
    this.push(sealRecord(record));
  }

  private sealStages(): void {
    if (this.openStages === 0) return;
    for (let t = 0; t < this.stages.length; t++) this.sealStage(t);
  }

  /** Turns the merged PCM of one track (or of all) into records, before any record that must follow it. */
  private flushPcmOf(track: number | undefined): void {
    if (this.pendingPcm.size === 0) return;
    for (const [t, pending] of this.pendingPcm) {
      if (track !== undefined && t !== track) continue;
      this.pendingPcm.delete(t);
      this.stagedBytes -= pending.samples * 2;
      // The samples are copied once, straight into the record.
      const record = recordOf(RECORD_PCM, 6 + pending.samples * 2);
      record.writeUInt16LE(t, 5);
      record.writeUInt32LE(pending.position >>> 0, 7);
      let at = 11;
      for (const chunk of pending.chunks) {
        const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
        if (littleEndianHost) bytes.copy(record, at);
        else for (let i = 0; i < chunk.length; i++) record.writeInt16LE(chunk[i] ?? 0, at + i * 2);
        at += chunk.byteLength;
      }
      this.push(sealRecord(record));
    }
  }
}

/** Flags of a spool opened for durable appends, where the platform has O_DSYNC. */
const DSYNC_APPEND =
  fsConstants.O_DSYNC === undefined
    ? undefined
    : fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_APPEND | fsConstants.O_DSYNC;

/** Buffers per gathered write (the usual IOV_MAX). */
const IOV_MAX = 1024;

const littleEndianHost = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export interface SpoolReadResult {
  /** False when the log ended in a torn or corrupt record (a crash mid-write); what came before is kept. */
  clean: boolean;
  records: number;
}

/**
 * Reads every intact record of a spool log, in order. With `eventsOnly`, PCM records come as `extent` (position
 * and length only), which is what a first pass over a long call needs.
 */
export async function readSpool(
  file: string,
  onRecord: (record: SpoolRecord) => void | Promise<void>,
  options: { eventsOnly?: boolean } = {},
): Promise<SpoolReadResult> {
  const source = new ByteSource(createReadStream(file, { highWaterMark: 1 << 20 }));
  let records = 0;
  try {
    const magic = await source.read(MAGIC.length);
    if (!magic || !magic.equals(MAGIC)) return { clean: false, records };
    for (;;) {
      const before = source.position;
      const head = await source.read(5);
      if (!head) return { clean: source.position === before, records };
      const length = head.readUInt32LE(1);
      if (length > 64 * 1024 * 1024) return { clean: false, records };
      const rest = await source.read(length + 4);
      if (!rest) return { clean: false, records };
      const crc = rest.readUInt32LE(length);
      const whole = Buffer.concat([head, rest.subarray(0, length)]);
      if (crc32(whole) !== crc) return { clean: false, records };
      const type = head[0] ?? 0;
      const body = rest.subarray(0, length);
      const record =
        options.eventsOnly === true && (type === RECORD_PCM || type === RECORD_G711)
          ? extentOf(type, body)
          : decodeRecord(type, body);
      if (record) {
        records++;
        await onRecord(record);
      }
    }
  } finally {
    await source.close();
  }
}

function extentOf(type: number, body: Buffer): SpoolRecord | undefined {
  const head = type === RECORD_G711 ? 7 : 6;
  if (body.length < head) return undefined;
  return {
    type: 'extent',
    track: body.readUInt16LE(0),
    position: body.readUInt32LE(2),
    count: type === RECORD_G711 ? body.length - head : Math.floor((body.length - head) / 2),
  };
}

function decodeRecord(type: number, body: Buffer): SpoolRecord | undefined {
  switch (type) {
    case RECORD_EVENT:
      try {
        return { type: 'event', event: JSON.parse(body.toString('utf8')) as SpoolEvent };
      } catch {
        return undefined;
      }
    case RECORD_PCM: {
      if (body.length < 6) return undefined;
      const count = Math.floor((body.length - 6) / 2);
      const samples = new Int16Array(count);
      if (littleEndianHost) new Uint8Array(samples.buffer).set(body.subarray(6, 6 + count * 2));
      else for (let i = 0; i < count; i++) samples[i] = body.readInt16LE(6 + i * 2);
      return { type: 'pcm', track: body.readUInt16LE(0), position: body.readUInt32LE(2), samples };
    }
    case RECORD_G711: {
      if (body.length < 7 || (body[6] ?? 0) > 1) return undefined;
      const samples = new Int16Array(body.length - 7);
      decodeG711Into(body, 7, body.length, body[6] === 0 ? 'PCMU' : 'PCMA', samples, 0);
      return { type: 'pcm', track: body.readUInt16LE(0), position: body.readUInt32LE(2), samples };
    }
    case RECORD_SILENCE:
      if (body.length < 10) return undefined;
      return {
        type: 'silence',
        track: body.readUInt16LE(0),
        position: body.readUInt32LE(2),
        count: body.readUInt32LE(6),
      };
    case RECORD_PAYLOAD:
      if (body.length < 10) return undefined;
      return {
        type: 'payload',
        track: body.readUInt16LE(0),
        position: body.readUInt32LE(2),
        trim: body.readUInt32LE(6),
        payload: Buffer.from(body.subarray(10)),
      };
    default:
      return undefined;
  }
}
