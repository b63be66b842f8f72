/** A set of words from one space-separated string: keeps long word lists readable. */
export function wordSet(words: string): ReadonlySet<string> {
  return new Set(words.split(/\s+/).filter((w) => w.length > 0));
}
