/** A comma-separated command-line value (`--team a,b`) as its trimmed, non-empty parts. */
export function commaList(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}
