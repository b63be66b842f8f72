import type { Response } from 'express';
import { csvField } from './audit/audit.router.ts';

/** Numbers as they are (a negative sentiment is no spreadsheet formula); text through the audit CSV's escaping. */
const field = (v: unknown) => (typeof v === 'number' ? String(v) : csvField(v));

/** A CSV download (`escucha-<name>.csv`, CRLF lines), never cached. */
export function sendCsv(res: Response, name: string, header: readonly string[], rows: unknown[][]): void {
  res.set({
    'Content-Type': 'text/csv; charset=utf-8',
    'Content-Disposition': `attachment; filename="escucha-${name}.csv"`,
    'Cache-Control': 'no-store',
  });
  res.send([header, ...rows].map((r) => `${r.map(field).join(',')}\r\n`).join(''));
}
