/**
 * JSON members built by string concatenation for the record writers. Each helper returns
 * `,"key":value`, or '' when the value is undefined, so an object is the concatenation of its members
 * with the leading comma dropped. Keys are literals of this package and need no escaping; values are
 * escaped by JSON.stringify.
 */

export function str (key: string, value: string | undefined): string {
  return value === undefined ? '' : `,"${key}":${JSON.stringify(value)}`
}

export function num (key: string, value: number | undefined): string {
  return value === undefined || !Number.isFinite(value) ? '' : `,"${key}":${value}`
}

export function bool (key: string, value: boolean | undefined): string {
  return value === undefined ? '' : `,"${key}":${value}`
}

/** A nested object from its members; '' when it has none. */
export function obj (key: string, members: string): string {
  return members === '' ? '' : `,"${key}":{${members.slice(1)}}`
}

/** Any JSON value given already serialised. */
export function raw (key: string, json: string | undefined): string {
  return json === undefined ? '' : `,"${key}":${json}`
}

/** An array of strings; '' when undefined or empty. */
export function strings (key: string, values: readonly string[] | undefined): string {
  return values === undefined || values.length === 0 ? '' : `,"${key}":${JSON.stringify(values)}`
}
