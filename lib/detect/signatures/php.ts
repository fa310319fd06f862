import type { Detector } from '../types.js'

export const php: Detector = { kind: 'php', rules: [], places: 0, triggers: 0, inspect () {} }
