import type { Readable } from 'node:stream';
import { createInterface } from 'node:readline';
import { parse } from 'csv-parse';

export type PaymentFileFormat = 'csv' | 'jsonl';

/** One row of a payments file: the line it starts on, its fields, or why it could not be read. */
export type FileRow = { line: number; fields: Record<string, unknown> } | { line: number; problem: string };

/** The format a file's name says (`.csv`; `.jsonl`/`.ndjson`), or undefined. */
export function formatOfFile(name: string): PaymentFileFormat | undefined {
  const lower = name.toLowerCase();
  if (lower.endsWith('.csv')) return 'csv';
  if (lower.endsWith('.jsonl') || lower.endsWith('.ndjson')) return 'jsonl';
  return undefined;
}

/**
 * Reads a payments file row by row as it streams in (never whole): CSV with a header line (RFC 4180 quoting), or
 * JSON Lines with one object per line (blank lines skipped). A row that cannot be read is yielded with its problem,
 * so that every bad row of a file is reported, not only the first.
 */
export async function* readPaymentFile(input: Readable, format: PaymentFileFormat): AsyncGenerator<FileRow> {
  if (format === 'jsonl') {
    let line = 0;
    for await (const text of createInterface({ input, crlfDelay: Infinity })) {
      line += 1;
      if (text.trim() === '') continue;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (error) {
        yield { line, problem: `not JSON: ${(error as Error).message}` };
        continue;
      }
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        yield { line, problem: 'not a JSON object' };
      } else {
        yield { line, fields: value as Record<string, unknown> };
      }
    }
    return;
  }
  const parser = input.pipe(
    parse({
      columns: true,
      bom: true,
      trim: true,
      skip_empty_lines: true,
      info: true,
      relax_column_count: true,
    }),
  );
  let invalid = 0;
  for await (const item of parser as AsyncIterable<{
    record: Record<string, string>;
    info: { lines: number; invalid_field_length: number };
  }>) {
    // The line the record ends on: its line, unless a quoted field spans lines.
    const line = item.info.lines;
    // invalid_field_length counts the records so far whose fields did not match the header.
    const mismatched = item.info.invalid_field_length > invalid;
    invalid = item.info.invalid_field_length;
    if (mismatched) {
      yield { line, problem: 'the number of fields does not match the header' };
    } else {
      yield { line, fields: item.record };
    }
  }
}
