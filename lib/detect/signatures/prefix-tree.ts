/**
 * Regex source matching any of `keys`, as a tree of alternatives by first character (`e(?:tc|nv)|...`):
 * V8 then reads each character of the value once per position instead of once per key. A key that is the
 * prefix of another is enough alone. `literal` writes one character of a key as regex source.
 */
export function prefixTree (keys: readonly string[], literal: (c: string) => string): string {
  const byFirst = new Map<string, string[] | null>()
  for (const key of keys) {
    const rest = byFirst.get(key[0])
    if (key.length === 1 || rest === null) byFirst.set(key[0], null)
    else byFirst.set(key[0], [...(rest ?? []), key.slice(1)])
  }
  const alternatives = [...byFirst].map(([c, rest]) => literal(c) + (rest === null ? '' : prefixTree(rest, literal)))
  return alternatives.length === 1 ? alternatives[0] : '(?:' + alternatives.join('|') + ')'
}
