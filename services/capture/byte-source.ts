/**
 * Pulls exact byte counts out of an async stream of chunks (a `Readable`, or any async iterable of bytes)
 * without loading the whole stream: only the chunks covering the current read are held.
 */
export class ByteSource {
  private readonly iterator: AsyncIterator<Uint8Array | string>;
  private chunks: Buffer[] = [];
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
    const take = complete ? count : this.available;
    const first = this.chunks[0];
    let out: Buffer;
    if (first && first.length >= take) {
      out = first.subarray(0, take);
      if (first.length === take) this.chunks.shift();
      else this.chunks[0] = first.subarray(take);
    } else {
      out = Buffer.allocUnsafe(take);
      let copied = 0;
      while (copied < take) {
        const chunk = this.chunks[0];
        if (!chunk) break;
        const n = Math.min(chunk.length, take - copied);
        chunk.copy(out, copied, 0, n);
        copied += n;
        if (n === chunk.length) this.chunks.shift();
        else this.chunks[0] = chunk.subarray(n);
      }
    }
    this.available -= take;
    this.position += take;
    return complete ? out : undefined;
  }

  /** Discards `count` bytes without keeping them; false when the stream ends first. */
  async skip(count: number): Promise<boolean> {
    let left = count;
    while (left > 0) {
      if (this.available === 0 && !(await this.fill(1))) return false;
      const chunk = this.chunks[0];
      if (!chunk) return false;
      const n = Math.min(chunk.length, left);
      if (n === chunk.length) this.chunks.shift();
      else this.chunks[0] = chunk.subarray(n);
      this.available -= n;
      this.position += n;
      left -= n;
    }
    return true;
  }

  /** Stops reading the underlying stream early. */
  async close(): Promise<void> {
    this.chunks = [];
    this.available = 0;
    if (!this.ended) {
      this.ended = true;
      await this.iterator.return?.();
    }
  }
}
