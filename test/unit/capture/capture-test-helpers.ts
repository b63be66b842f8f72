import { expect } from 'vitest';
import fc from 'fast-check';
import { isEscuchaError, type ErrorCode } from '../../../services/platform/errors.ts';

/**
 * Runs a parser on untrusted input: it may return anything or throw an EscuchaError with one of `codes`,
 * but never another kind of error (TypeError, RangeError, ...).
 */
export function expectContainedFailure(fn: () => unknown, codes: ErrorCode[] = ['BAD_REQUEST']): void {
  try {
    fn();
  } catch (error) {
    if (!isEscuchaError(error) || !codes.includes(error.code)) {
      throw new Error(`unexpected failure: ${String(error)}`, { cause: error });
    }
  }
}

export function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return isEscuchaError(error) ? error.code : `not-escucha: ${String(error)}`;
  }
  return undefined;
}

/** Random bytes, and mutations of a valid message: flipped bytes, cuts, insertions. */
export function mutationsOf(valid: Buffer): fc.Arbitrary<Buffer> {
  const flip = fc
    .array(fc.tuple(fc.nat(Math.max(0, valid.length - 1)), fc.integer({ min: 0, max: 255 })), {
      maxLength: 8,
    })
    .map((edits) => {
      const copy = Buffer.from(valid);
      for (const [at, value] of edits) copy[at] = value;
      return copy;
    });
  const cut = fc.nat(valid.length).map((n) => valid.subarray(0, n));
  const splice = fc
    .tuple(fc.nat(valid.length), fc.uint8Array({ maxLength: 64 }))
    .map(([at, bytes]) => Buffer.concat([valid.subarray(0, at), Buffer.from(bytes), valid.subarray(at)]));
  const random = fc.uint8Array({ maxLength: 512 }).map((b) => Buffer.from(b));
  return fc.oneof(flip, cut, splice, random);
}

export function expectDefined<T>(value: T | undefined): T {
  expect(value).toBeDefined();
  return value as T;
}
