import type { Detector } from '../types.js'

export const prototypePollution: Detector = { kind: 'prototype-pollution', rules: [], places: 0, triggers: 0, inspect () {} }
