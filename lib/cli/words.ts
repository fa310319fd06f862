/** Text helpers shared by the terminal report, the HTML report, the drafts and the rules file. */

// Everything from a log line is the attacker's text. A CR or LF in it would start a forged header (Bcc:) in a
// mail client a draft is pasted into, an ESC sequence would rewrite the terminal the report is printed on,
// and bidirectional overrides would make a line read differently from what it holds. Such characters (C0 but
// tab, DEL, C1, U+2028/2029, bidi embeddings, overrides and isolates) are written as \xHH or \uHHHH, as nginx
// escapes bytes in its own logs, so that the evidence still shows they were there.
const UNSAFE = /[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g

/** `text` with its control characters written as escapes (see UNSAFE). */
export function escapeControls (text: string): string {
  return text.replace(UNSAFE, (c) => {
    const code = c.charCodeAt(0)
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`
  })
}

/** A count as people read it (`12,345`); `—` for a value that is not a finite number. */
export function formatCount (n: number): string {
  return Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: 1 }) : '—'
}

/** `1 site`, `2 sites`, `12,345 requests`. */
export function plural (n: number, word: string): string {
  return `${formatCount(n)} ${word}${n === 1 ? '' : 's'}`
}
