/**
 * A word → value table for lookups by transcript words. It has no prototype, so a word such as "constructor" or
 * "toString" is not found in it (a plain object literal would answer with an inherited property).
 */
export function wordTable<T>(entries: Record<string, T>): Readonly<Record<string, T>> {
  return Object.freeze(Object.assign(Object.create(null) as Record<string, T>, entries));
}
