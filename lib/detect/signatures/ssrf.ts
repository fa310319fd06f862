import type { Detector } from '../types.js'

export const ssrf: Detector = { kind: 'ssrf', rules: [], places: 0, triggers: 0, inspect () {} }
