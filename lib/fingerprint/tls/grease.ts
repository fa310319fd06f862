/**
 * GREASE values (RFC 8701 §2): exactly the sixteen 0x0A0A, 0x1A1A … 0xFAFA. Both bytes must be equal: the
 * mask test alone, `(v & 0x0f0f) === 0x0a0a`, also matches 240 values that are not GREASE.
 */
export function isGrease (value: number): boolean {
  return (value & 0x0f0f) === 0x0a0a && (value >> 8) === (value & 0xff)
}
