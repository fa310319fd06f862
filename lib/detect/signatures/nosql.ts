import type { Detector } from '../types.js'

export const nosql: Detector = { kind: 'nosql', rules: [], places: 0, triggers: 0, inspect () {} }
