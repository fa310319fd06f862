/**
 * Rewriting a value character by character (quotes or whitespace removed, `+` read as a space) in one loop
 * over a scratch array of UTF-16 code units. A native replace with a match at every other character builds a
 * list of every piece first: megabytes of garbage on 64 KB of hostile input, which the collector then stops
 * the process to sweep. The loop allocates only the result.
 *
 * One scratch array serves every caller: each call copies its text in and its result out before it returns.
 */

// Bulk copies go through a Buffer view, which writes UTF-16LE: on a big-endian machine, and for short values
// (where a call costs more than the loop), a loop is used instead.
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1
const BULK = 64
let units = new Uint16Array(4096)
let view = Buffer.from(units.buffer)

/** `text` in the scratch array, followed by a 0 unit, so that a read one past its end needs no test. */
export function loadUnits (text: string): Uint16Array {
  const n = text.length
  if (units.length <= n) {
    units = new Uint16Array(Math.max(n + 1, 2 * units.length))
    view = Buffer.from(units.buffer)
  }
  if (n >= BULK && LITTLE_ENDIAN) view.write(text, 0, 'utf16le')
  else for (let i = 0; i < n; i++) units[i] = text.charCodeAt(i)
  units[n] = 0
  return units
}

/** The string of the scratch array's first `n` units. */
export function unitsText (n: number): string {
  if (n >= BULK && LITTLE_ENDIAN) return view.toString('utf16le', 0, 2 * n)
  return String.fromCharCode.apply(null, units.subarray(0, n) as unknown as number[])
}

/** `text` without any `c` (a code unit): `c^m^d` is `cmd`. */
export function withoutUnit (text: string, c: number): string {
  return unitsText(dropUnit(loadUnits(text), text.length, c))
}

/**
 * The loops below are functions that end with their loop: the engine compiles a loop while it runs (on-stack
 * replacement) with what it has seen so far, and a call after the loop that no run had reached yet threw the
 * compiled loop away at its end, on every long value, again and again (hundreds of deoptimizations on 64 KB
 * of random text, each with its compilation).
 */
function dropUnit (u: Uint16Array, n: number, c: number): number {
  let w = 0
  for (let r = 0; r < n; r++) {
    const d = u[r]
    if (d !== c) u[w++] = d
  }
  return w
}

/** Whether `c` is whitespace as a regex's `\s` reads it (ECMAScript WhiteSpace and LineTerminator). */
export function isRegexSpace (c: number): boolean {
  if (c < 0x80) return c === 0x20 || (c >= 0x09 && c <= 0x0d)
  return c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f ||
    c === 0x205f || c === 0x3000 || c === 0xfeff
}

/** `text` without whitespace (`\s`). */
export function withoutSpaces (text: string): string {
  return unitsText(dropSpaces(loadUnits(text), text.length))
}

/** The loop of withoutSpaces (see dropUnit). */
function dropSpaces (u: Uint16Array, n: number): number {
  let w = 0
  for (let r = 0; r < n; r++) {
    const c = u[r]
    if (!isRegexSpace(c)) u[w++] = c
  }
  return w
}
