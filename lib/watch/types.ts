/** The `child_process` functions the watch wraps; `'unknown'` when a source saw a child without the call. */
export type SpawnApi = 'spawn' | 'exec' | 'execFile' | 'fork' | 'spawnSync' | 'execSync' | 'execFileSync' | 'unknown'

/** Where the watch learnt of a child process. */
export type SpawnSource = 'wrap' | 'diagnostics' | 'poller'

/** A child process the service starts (or started), as the call (or /proc) describes it. */
export interface SpawnCall {
  /** The function called. */
  readonly api: SpawnApi
  /** The executable as given (a name looked up in PATH, or a path); for a command run by a shell, the shell. */
  readonly file: string
  /** The arguments after the executable (for a shell, `['-c', command]`). */
  readonly args: readonly string[]
  /** The shell the command runs through (`exec`, `shell: true`), else undefined. */
  readonly shell: string | undefined
  /** The command line as text: the shell's command string, else file and arguments joined by spaces. */
  readonly command: string
}

/**
 * Why a spawn alerts. `unlisted`: not on the allow list (seed 003's rule); the others match patterns modelled
 * on Falco's web-server rules and alert whatever the allow list says for `reverse-shell`, unless the program
 * is allowed by name for the others.
 */
export type ProcessRule =
  | 'unlisted'
  | 'shell'
  | 'download'
  | 'network-tool'
  | 'interpreter'
  | 'recon'
  | 'encoding'
  | 'reverse-shell'

/** The judgement of one spawn against the allow list and the always-alert patterns. */
export interface SpawnVerdict {
  /** True when every program the call starts is allowed and no always-alert pattern matched. */
  readonly allowed: boolean
  /** The rule that alerted (the most severe when several did); undefined when allowed. */
  readonly rule: ProcessRule | undefined
  /** The program that alerted (its name as the call gives it), or the allowed call's first program. */
  readonly program: string
  /** One sentence for the alert record, e.g. `curl is a download tool, not on the allow list`. */
  readonly reason: string
}
