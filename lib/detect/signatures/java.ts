import type { Detector } from '../types.js'

export const java: Detector = { kind: 'java', rules: [], places: 0, triggers: 0, inspect () {} }
