/**
 * Character classes of a decoded value as bits, computed in one pass, so a detector whose signatures all
 * need a quote, a bracket or a slash skips every value without one.
 */
export const Char = {
  quote: 1 << 0, // '
  dquote: 1 << 1, // "
  backtick: 1 << 2, // `
  lt: 1 << 3, // <
  gt: 1 << 4, // >
  paren: 1 << 5, // ( )
  semicolon: 1 << 6, // ;
  pipe: 1 << 7, // |
  amp: 1 << 8, // &
  dollar: 1 << 9, // $
  brace: 1 << 10, // { }
  dot: 1 << 11, // .
  slash: 1 << 12, // /
  backslash: 1 << 13, // \
  colon: 1 << 14, // :
  equals: 1 << 15, // =
  space: 1 << 16, // space, tab, CR, LF, VT, FF
  hash: 1 << 17, // #
  star: 1 << 18, // *
  percent: 1 << 19, // % still there after decoding
  minus: 1 << 20, // -
  comma: 1 << 21, // ,
  at: 1 << 22, // @
  bracket: 1 << 23, // [ ]
  control: 1 << 24, // other C0 controls and DEL
  nonAscii: 1 << 25,
  digit: 1 << 26,
  tilde: 1 << 27, // ~
  question: 1 << 28, // ?
  bang: 1 << 29, // !
  caret: 1 << 30, // ^
  plus: 1 << 31 // +
} as const

/**
 * `Char` bits of each code unit below 128, and at 128 those of every code unit from 128 on, so that decode.ts
 * can read `CLASSES[Math.min(c, 128)]` in a loop that also lowercases without a branch.
 */
export const CLASSES = new Int32Array(129)
// A local name: an exported one compiles to a property load of `exports` at every use.
const TABLE = CLASSES
TABLE[128] = Char.nonAscii
for (let c = 0; c < 0x20; c++) TABLE[c] = Char.control
TABLE[0x7f] = Char.control
for (const c of [0x20, 0x09, 0x0a, 0x0b, 0x0c, 0x0d]) TABLE[c] = Char.space
for (let c = 0x30; c <= 0x39; c++) TABLE[c] = Char.digit
const SINGLE: Array<[string, number]> = [
  ["'", Char.quote], ['"', Char.dquote], ['`', Char.backtick], ['<', Char.lt], ['>', Char.gt], ['(', Char.paren],
  [')', Char.paren], [';', Char.semicolon], ['|', Char.pipe], ['&', Char.amp], ['$', Char.dollar], ['{', Char.brace],
  ['}', Char.brace], ['.', Char.dot], ['/', Char.slash], ['\\', Char.backslash], [':', Char.colon], ['=', Char.equals],
  ['#', Char.hash], ['*', Char.star], ['%', Char.percent], ['-', Char.minus], [',', Char.comma], ['@', Char.at],
  ['[', Char.bracket], [']', Char.bracket], ['~', Char.tilde], ['?', Char.question], ['!', Char.bang], ['^', Char.caret],
  ['+', Char.plus]
]
for (const [c, bit] of SINGLE) TABLE[c.charCodeAt(0)] = bit

// Long texts are copied into a typed array first (one bulk write): a loop over it costs a fraction of one
// over `charCodeAt`. Buffer writes UTF-16LE, so a big-endian machine keeps the `charCodeAt` loop.
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1
const BULK = 256
// A local constant: `Char.nonAscii` compiles to a property load of `exports.Char` on every character.
const NON_ASCII = Char.nonAscii
let units = new Uint16Array(4096)
let view = Buffer.from(units.buffer)

/** `Char` bits of the characters in `text`. */
export function charClasses (text: string): number {
  const n = text.length
  let bits = 0
  if (n < BULK || !LITTLE_ENDIAN) {
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i)
      bits |= c < 128 ? TABLE[c] : NON_ASCII
    }
    return bits
  }
  if (units.length < n) {
    units = new Uint16Array(Math.max(n, 2 * units.length))
    view = Buffer.from(units.buffer)
  }
  view.write(text, 0, 'utf16le')
  const u = units
  for (let i = 0; i < n; i++) {
    const c = u[i]
    bits |= c < 128 ? TABLE[c] : NON_ASCII
  }
  return bits
}
