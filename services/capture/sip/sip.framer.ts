import { EscuchaError } from '../../platform/errors.ts';
import { badInput } from '../parse-result.ts';
import { findHeaderEnd, parseContentLength } from './sip.message.ts';

/**
 * Cuts a SIP byte stream (TCP/TLS) into whole messages by Content-Length (RFC 3261 §18.3). Handles several
 * messages in one segment, one message over many segments, and RFC 5626 CRLF keep-alives between messages.
 * Once it has thrown (oversized or unframeable input) the connection must be closed: every later push throws.
 */

export interface SipFramerOptions {
  /** Largest message (headers + body) accepted, in bytes (default 256 KiB). */
  maxMessageBytes?: number;
}

export interface FramerOutput {
  /** Whole messages, each a standalone Buffer ready for `parseSipMessage`. */
  messages: Buffer[];
  /** Double-CRLF keep-alive pings seen; each asks for a single CRLF pong (RFC 5626 §4.4.1). */
  pings: number;
}

const CONTENT_LENGTH_LINE = /^(?:content-length|l)[ \t]*:[ \t]*([^\r\n]*)$/im;

export class SipStreamFramer {
  private readonly maxMessageBytes: number;
  /** Growable store: live bytes are storage[start, end). Doubling keeps trickled input linear. */
  private storage: Buffer = Buffer.alloc(0);
  private start = 0;
  private end = 0;
  /** Where the search for the end of headers resumes, relative to `start`. */
  private scanned = 0;
  /** Size of the message at `start` once its headers are known. */
  private expected: number | undefined;
  private failure: EscuchaError | undefined;

  constructor(options: SipFramerOptions = {}) {
    this.maxMessageBytes = options.maxMessageBytes ?? 256 * 1024;
  }

  /** Bytes held while waiting for the rest of a message. */
  get buffered(): number {
    return this.end - this.start;
  }

  /** The header of the message that could not be framed (when it was whole), to answer it with a 400. */
  failedHead: Buffer | undefined;

  push(chunk: Buffer): FramerOutput {
    if (this.failure) throw this.failure;
    this.append(chunk);
    const out: FramerOutput = { messages: [], pings: 0 };
    try {
      this.drain(out);
    } catch (error) {
      this.failure = error instanceof EscuchaError ? error : badInput('unframeable SIP stream');
      this.storage = Buffer.alloc(0);
      this.start = this.end = 0;
      throw this.failure;
    }
    return out;
  }

  private append(chunk: Buffer): void {
    const live = this.end - this.start;
    if (this.end + chunk.length > this.storage.length) {
      const needed = live + chunk.length;
      const grown =
        needed > this.storage.length
          ? Buffer.alloc(Math.max(needed, this.storage.length * 2, 4096))
          : this.storage;
      this.storage.copy(grown, 0, this.start, this.end);
      this.storage = grown;
      this.start = 0;
      this.end = live;
    }
    chunk.copy(this.storage, this.end);
    this.end += chunk.length;
  }

  private consume(count: number): void {
    this.start += count;
    this.scanned = 0;
    this.expected = undefined;
    if (this.start === this.end) this.start = this.end = 0;
  }

  private drain(out: FramerOutput): void {
    for (;;) {
      const data = this.storage.subarray(this.start, this.end);
      if (this.expected === undefined) {
        const keepAlive = skipKeepAlive(data, 0);
        if (keepAlive === 'wait') return;
        if (keepAlive !== undefined) {
          out.pings += keepAlive.ping ? 1 : 0;
          this.consume(keepAlive.next);
          continue;
        }
        if (data.length === 0) return;
        const headerEnd = findHeaderEnd(data, Math.max(0, this.scanned - 3), this.maxMessageBytes);
        if (headerEnd === undefined) {
          if (data.length > this.maxMessageBytes) {
            throw new EscuchaError(
              'PAYLOAD_TOO_LARGE',
              `SIP message larger than ${this.maxMessageBytes} bytes`,
            );
          }
          this.scanned = data.length;
          return;
        }
        const head = data.toString('utf8', 0, headerEnd.bodyStart);
        this.failedHead = Buffer.from(data.subarray(0, headerEnd.bodyStart));
        const match = CONTENT_LENGTH_LINE.exec(head);
        if (!match) throw badInput('SIP message on a stream transport without Content-Length');
        const total = headerEnd.bodyStart + parseContentLength(match[1] ?? '');
        if (total > this.maxMessageBytes) {
          throw new EscuchaError(
            'PAYLOAD_TOO_LARGE',
            `SIP message of ${total} bytes exceeds ${this.maxMessageBytes}`,
          );
        }
        this.expected = total;
        this.failedHead = undefined;
      }
      if (data.length < this.expected) return;
      out.messages.push(Buffer.from(data.subarray(0, this.expected)));
      this.consume(this.expected);
    }
  }
}

/**
 * Keep-alive at `offset`: CRLFCRLF is a ping, a lone CRLF a pong, stray CR/LF bytes are skipped. Returns 'wait'
 * when the bytes so far could still become a ping, undefined when a message starts here (or nothing is left).
 */
function skipKeepAlive(data: Buffer, offset: number): { next: number; ping: boolean } | 'wait' | undefined {
  const left = data.length - offset;
  if (left <= 0) return undefined;
  const b0 = data[offset];
  if (b0 === 0x0a) return { next: offset + 1, ping: false };
  if (b0 !== 0x0d) return undefined;
  if (left < 2) return 'wait';
  if (data[offset + 1] !== 0x0a) return { next: offset + 1, ping: false };
  if (left < 4) {
    const partialPing = left === 2 || data[offset + 2] === 0x0d;
    if (partialPing) return 'wait';
    return { next: offset + 2, ping: false };
  }
  if (data[offset + 2] === 0x0d && data[offset + 3] === 0x0a) return { next: offset + 4, ping: true };
  return { next: offset + 2, ping: false };
}
