import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';

/**
 * Which process a pid is now: a lock or owner record names a pid, and a pid is reused once its
 * process ends (after a reboot, pid 1 is always alive). The start of the process, as the kernel
 * keeps it, tells the holder from a stranger that got its number.
 *
 * - Linux: `/proc/<pid>/stat` (start in clock ticks since boot, state) and the boot id, so a
 *   record from before a reboot never matches.
 * - macOS and other Unixes: `ps -o stat=,lstart= -p <pid>` (start to the second).
 * - Elsewhere (Windows): unknown; callers fall back on the holder's heartbeat.
 */

export interface ProcessState {
  /** An opaque token equal for the same process and different for another one with the same pid. */
  readonly start: string;
  /** When it started (ms since the epoch), if known: a process cannot have taken a lock before it started. */
  readonly startedAtMs: number | null;
  /** Stopped (SIGSTOP, Ctrl-Z) or stopped by a tracer: alive, but not running. */
  readonly stopped: boolean;
}

/** `gone`: no such process. `null`: this platform cannot tell. */
export type ProcessLookup = ProcessState | 'gone' | null;

/** How to look: the platform's own way by default; tests also try `ps` on Linux. */
export type LookupMethod = 'proc' | 'ps' | 'none';

export function defaultLookupMethod(): LookupMethod {
  if (process.platform === 'linux') return 'proc';
  return process.platform === 'win32' ? 'none' : 'ps';
}

export async function readProcessState(pid: number, method: LookupMethod = defaultLookupMethod()): Promise<ProcessLookup> {
  if (!Number.isSafeInteger(pid) || pid <= 0) return 'gone';
  switch (method) {
    case 'proc':
      return readProc(pid);
    case 'ps':
      return readPs(pid);
    case 'none':
      return null;
  }
}

/** This process's own start token (what a record written now carries), or null where unknown. */
export async function ownStart(method: LookupMethod = defaultLookupMethod()): Promise<string | null> {
  const state = await readProcessState(process.pid, method);
  return state === null || state === 'gone' ? null : state.start;
}

/** Linux's clock ticks per second: 100 on every architecture Node runs on (`getconf CLK_TCK`). */
const CLOCK_TICKS = 100;

function readProc(pid: number): ProcessLookup {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'ESRCH' ? 'gone' : null;
  }
  // The command name (field 2) is in parentheses and may hold spaces and parentheses itself.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const state = fields[0] ?? '';
  const ticks = fields[19];
  const boot = bootId();
  if (ticks === undefined || !/^\d+$/.test(ticks) || boot === null) return null;
  // A zombie has ended; only its parent has not collected it yet.
  if (state === 'Z' || state === 'X') return 'gone';
  const btime = bootTime();
  return {
    start: `linux:${boot}:${ticks}`,
    startedAtMs: btime === null ? null : (btime + Number(ticks) / CLOCK_TICKS) * 1000,
    stopped: state === 'T' || state === 't',
  };
}

let cachedBootId: string | null | undefined;
function bootId(): string | null {
  if (cachedBootId === undefined) {
    try {
      cachedBootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    } catch {
      cachedBootId = null;
    }
  }
  return cachedBootId;
}

let cachedBootTime: number | null | undefined;
function bootTime(): number | null {
  if (cachedBootTime === undefined) {
    try {
      const match = /^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'));
      cachedBootTime = match ? Number(match[1]) : null;
    } catch {
      cachedBootTime = null;
    }
  }
  return cachedBootTime;
}

function readPs(pid: number): Promise<ProcessLookup> {
  return new Promise((resolve) => {
    execFile('ps', ['-o', 'stat=,lstart=', '-p', String(pid)], { timeout: 5_000, env: { ...process.env, LC_ALL: 'C', TZ: 'UTC' } }, (error, stdout) => {
      const line = stdout.trim();
      if (line === '') {
        // `ps` exits 1 with no output for a pid that does not exist; a missing `ps` is "cannot tell".
        resolve(error && (error as NodeJS.ErrnoException).code === 'ENOENT' ? null : error ? 'gone' : null);
        return;
      }
      const [stat = '', ...started] = line.split(/\s+/);
      const startedAtMs = Date.parse(`${started.join(' ')} UTC`);
      if (Number.isNaN(startedAtMs)) return resolve(null);
      if (stat.startsWith('Z')) return resolve('gone');
      resolve({ start: `ps:${Math.floor(startedAtMs / 1000)}`, startedAtMs, stopped: stat.startsWith('T') });
    });
  });
}
