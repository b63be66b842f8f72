/**
 * Pulls exact byte counts out of an async stream of chunks (a `Readable`, or any async iterable of bytes)
 * without loading the whole stream: only the chunks covering the current read are held.
 */
export class ByteSource {
  private readonly iterator: AsyncIterator<Uint8Array | string>;
  private chunks: Buffer[] = [];
  /** Bytes of `chunks[0]` already handed out (the chunk is not re-sliced on every read). */
  private offset = 0;
  private available = 0;
  private ended = false;
  /** Bytes handed out so far: the offset of the next read in the stream. */
  position = 0;

  constructor(source: AsyncIterable<Uint8Array | string>) {
    this.iterator = source[Symbol.asyncIterator]();
  }

  /** Waits until `count` bytes are buffered; false when the stream ends first. */
  private async fill(count: number): Promise<boolean> {
    while (this.available < count) {
      if (this.ended) return false;
      const next = await this.iterator.next();
      if (next.done) {
        this.ended = true;
        return false;
      }
      const value = next.value;
      const chunk =
        typeof value === 'string'
          ? Buffer.from(value, 'latin1')
          : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
      if (chunk.length === 0) continue;
      this.chunks.push(chunk);
      this.available += chunk.length;
    }
    return true;
  }

  /**
   * Exactly `count` bytes, or undefined when the stream ends first (the partial bytes are then consumed and
   * `position` points past them).
   */
  async read(count: number): Promise<Buffer | undefined> {
    if (count === 0) return Buffer.alloc(0);
    const complete = await this.fill(count);
    const out = this.extract(complete ? count : this.available);
    return complete ? out : undefined;
  }

  /**
   * Exactly `count` bytes if they are already buffered, else undefined and nothing consumed: lets a parser go on
   * without awaiting while the current chunk lasts.
   */
  take(count: number): Buffer | undefined {
    if (this.available < count || count === 0) return undefined;
    return this.extract(count);
  }

  private extract(take: number): Buffer {
    const first = this.chunks[0];
    let out: Buffer;
    if (first && first.length - this.offset >= take) {
      out = first.subarray(this.offset, this.offset + take);
      this.offset += take;
      if (this.offset === first.length) {
        this.chunks.shift();
        this.offset = 0;
      }
    } else {
      out = Buffer.allocUnsafe(take);
      let copied = 0;
      while (copied < take) {
        const chunk = this.chunks[0];
        if (!chunk) break;
        const n = Math.min(chunk.length - this.offset, take - copied);
        chunk.copy(out, copied, this.offset, this.offset + n);
        copied += n;
        this.offset += n;
        if (this.offset === chunk.length) {
          this.chunks.shift();
          this.offset = 0;
        }
      }
    }
    this.available -= take;
    this.position += take;
    return out;
  }

  /** Discards `count` bytes without keeping them; false when the stream ends first. */
  async skip(count: number): Promise<boolean> {
    let left = count;
    while (left > 0) {
      if (this.available === 0 && !(await this.fill(1))) return false;
      const chunk = this.chunks[0];
      if (!chunk) return false;
      const n = Math.min(chunk.length - this.offset, left);
      this.offset += n;
      if (this.offset === chunk.length) {
        this.chunks.shift();
        this.offset = 0;
      }
      this.available -= n;
      this.position += n;
      left -= n;
    }
    return true;
  }

  /** Stops reading the underlying stream early. */
  async close(): Promise<void> {
    this.chunks = [];
    this.offset = 0;
    this.available = 0;
    if (!this.ended) {
      this.ended = true;
      await this.iterator.return?.();
    }
  }
}
