/** Memory of a process as Linux reports it in /proc/PID/status. */
import { readFileSync } from 'node:fs';

export interface ProcessMemory {
  /** Resident set size now (VmRSS). */
  readonly rssBytes: number;
  /** Peak resident set size (VmHWM). */
  readonly peakRssBytes: number;
}

/** The process's memory, or null where /proc is unavailable (not Linux) or the process is gone. */
export function readProcessMemory(pid: number): ProcessMemory | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return null;
  }
  const kilobytes = (field: string): number => {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(text);
    return match === null ? NaN : Number(match[1]) * 1024;
  };
  return { rssBytes: kilobytes('VmRSS'), peakRssBytes: kilobytes('VmHWM') };
}

/** Linux reports CPU time in clock ticks of USER_HZ, which is 100 on every mainstream kernel. */
const ticksPerSecond = 100;

/** CPU time (user + system) the process has used so far, in ms; NaN where /proc is unavailable. */
export function readProcessCpuMs(pid: number): number {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return NaN;
  }
  // Fields after the command name (which may contain spaces) start at field 3; utime and stime are 14 and 15.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond;
}
