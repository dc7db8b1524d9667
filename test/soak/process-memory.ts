/**
 * What the OS says about a process, read from /proc (Linux): its resident
 * set size, its open sockets, and the renderer processes under a Chromium
 * browser process (to tell which renderer a tab got, by the one that
 * appeared when the tab opened).
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** VmRSS of `pid`, bytes; null once the process is gone. */
export function rssBytes(pid: number): number | null {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** How many of `pid`'s file descriptors are sockets; null once the process is gone. */
export function openSockets(pid: number): number | null {
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return null;
  }
  let n = 0;
  for (const fd of fds) {
    try {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith('socket:')) n++;
    } catch {
      /* closed meanwhile */
    }
  }
  return n;
}

/** The parent of every live process, from /proc/<pid>/stat. */
function parents(): Map<number, number> {
  const out = new Map<number, number>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      // pid (comm) state ppid …: comm may hold spaces and parentheses, so split after the last ')'.
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      out.set(Number(d), ppid);
    } catch {
      /* gone */
    }
  }
  return out;
}

/** The pids of the `--type=renderer` processes descended from `browserPid`. */
export function rendererPids(browserPid: number): Set<number> {
  const ppid = parents();
  const under = (pid: number): boolean => {
    for (let p = ppid.get(pid), hops = 0; p !== undefined && hops < 10; p = ppid.get(p), hops++) if (p === browserPid) return true;
    return false;
  };
  const out = new Set<number>();
  for (const pid of ppid.keys()) {
    if (!under(pid)) continue;
    try {
      // Zygote-forked processes rewrite their title: the arguments are one space-separated string, not NUL-separated.
      if (/(^|[\s\0])--type=renderer([\s\0]|$)/.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8'))) out.add(pid);
    } catch {
      /* gone */
    }
  }
  return out;
}
