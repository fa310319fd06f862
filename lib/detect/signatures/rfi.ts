import type { Detector } from '../types.js'

export const rfi: Detector = { kind: 'rfi', rules: [], places: 0, triggers: 0, inspect () {} }
