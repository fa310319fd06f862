import type { Detector } from '../types.js'

export const scanner: Detector = { kind: 'scanner', rules: [], places: 0, triggers: 0, inspect () {} }
export const scriptClient: Detector = { kind: 'script-client', rules: [], places: 0, triggers: 0, inspect () {} }
