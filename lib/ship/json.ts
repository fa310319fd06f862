/**
 * Pieces of JSON built by string concatenation for the record builders. Member helpers return
 * `,"key":value`, or '' when the value is undefined; an object starts with a member that is always present
 * (written without the comma), so no string is ever sliced: slicing a concatenated string flattens it,
 * a copy per nested object that bench/ showed to cost more than the rest of the record. Keys are literals
 * of this package and need no escaping.
 */

// Characters JSON must escape, and lone surrogates, which JSON.stringify writes as \u escapes.
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/

/** A JSON string literal: quotes only when nothing needs escaping, JSON.stringify otherwise. */
export function quote (value: string): string {
  return NEEDS_ESCAPE.test(value) ? JSON.stringify(value) : '"' + value + '"'
}

export function str (key: string, value: string | undefined): string {
  return value === undefined ? '' : ',"' + key + '":' + quote(value)
}

export function num (key: string, value: number | undefined): string {
  return value === undefined || !Number.isFinite(value) ? '' : ',"' + key + '":' + value
}

export function bool (key: string, value: boolean | undefined): string {
  return value === undefined ? '' : ',"' + key + '":' + value
}

/** Any JSON value given already serialised. */
export function raw (key: string, json: string | undefined): string {
  return json === undefined ? '' : ',"' + key + '":' + json
}

/** An array of strings; '' when undefined or empty. */
export function strings (key: string, values: readonly string[] | undefined): string {
  if (values === undefined || values.length === 0) return ''
  let list = quote(values[0])
  for (let i = 1; i < values.length; i++) list += ',' + quote(values[i])
  return ',"' + key + '":[' + list + ']'
}

/**
 * An object member from the member that is always present (`firstKey`, a string) and the others;
 * '' when `firstValue` is undefined.
 */
export function obj (key: string, firstKey: string, firstValue: string | undefined, rest = ''): string {
  return firstValue === undefined ? '' : ',"' + key + '":{"' + firstKey + '":' + quote(firstValue) + rest + '}'
}

/** An object member whose members are all optional; '' when none is present. Used off the hot path. */
export function optionalObj (key: string, members: string): string {
  return members === '' ? '' : ',"' + key + '":{' + members.slice(1) + '}'
}
