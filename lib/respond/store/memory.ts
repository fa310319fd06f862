import { Lru } from 'toad-cache'
import type { Ban, BanRequest, RespondStore, WindowCount, WindowHit } from '../types.js'
import { BanTable } from './ban-table.js'

/** Bounds of the memory store. */
export interface MemoryStoreOptions {
  /** Rate-limit windows kept (one per limit and subject); the least recently hit go first. */
  maxWindows: number
  /** Bans kept; the one that ends first goes first. */
  maxBans: number
}

/** Counts of one window key: the fixed window's index and its count, and the count of the window before. */
interface Counter {
  index: number
  current: number
  previous: number
}

/** The default store: this process only, bounded, nothing awaited. */
export class MemoryStore implements RespondStore {
  private readonly windows: Lru<Counter>
  readonly bans: BanTable

  constructor (options: MemoryStoreOptions) {
    this.windows = new Lru<Counter>(options.maxWindows)
    this.bans = new BanTable(options.maxBans)
  }

  hit (hits: readonly WindowHit[], now: number): WindowCount[] {
    const out: WindowCount[] = []
    for (const { key, window } of hits) out.push(this.count(key, window, now))
    return out
  }

  /** One hit in the window `key`. */
  private count (key: string, window: number, now: number): WindowCount {
    const index = Math.floor(now / window)
    let counter = this.windows.get(key)
    if (counter === undefined) {
      counter = { index, current: 0, previous: 0 }
      this.windows.set(key, counter)
    } else if (counter.index !== index) {
      counter.previous = counter.index === index - 1 ? counter.current : 0
      counter.current = 0
      counter.index = index
    }
    counter.current++
    return { current: counter.current, previous: counter.previous }
  }

  banned (key: string, now: number): Ban | undefined {
    return this.bans.get(key, now)
  }

  async ban (request: BanRequest, now: number): Promise<Ban> {
    return this.bans.issue(request, now)
  }

  async unban (key: string): Promise<boolean> {
    return this.bans.delete(key)
  }

  list (now: number): Ban[] {
    return this.bans.list(now)
  }

  async close (): Promise<void> {}
}
