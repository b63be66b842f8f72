import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

/**
 * A pass-through stream that computes the sha256 and byte count of everything that flows through it, so an
 * object store can hash a recording while streaming it, without holding it in memory.
 */
export class HashingStream extends Transform {
  private readonly hash = createHash('sha256');
  private bytes = 0;
  private hex: string | undefined;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    this.hex = this.hash.digest('hex');
    callback();
  }

  /** Bytes seen so far. */
  get sizeBytes(): number {
    return this.bytes;
  }

  /** Hex sha256 of all bytes; available once the stream has ended (flushed). */
  get sha256(): string {
    if (this.hex === undefined) throw new Error('sha256 read before the stream ended');
    return this.hex;
  }
}
