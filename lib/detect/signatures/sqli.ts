import type { Detector } from '../types.js'

export const sqli: Detector = { kind: 'sqli', rules: [], places: 0, triggers: 0, inspect () {} }
