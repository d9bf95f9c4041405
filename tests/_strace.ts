// Test helper (not a test file): runs a program under strace and reads back
// what it did to its TCP sockets: where each one connected and every
// TCP_NODELAY it set. Independent of the code under test: the kernel-facing
// system calls, as strace saw them.

/** One socket of the traced program, from `socket()` to `close()`. */
export interface TracedSocket {
  pid: number;
  fd: number;
  /** Ports it connected to (IPv4 or IPv6), in order. */
  ports: number[];
  /** Every value it set TCP_NODELAY to, in order. */
  noDelay: number[];
}

/** The strace binary, or an Error saying how to install it. */
export function stracePath(): string {
  for (const dir of ["/usr/bin", "/bin", "/usr/local/bin"]) {
    try {
      if (Deno.statSync(`${dir}/strace`).isFile) return `${dir}/strace`;
    } catch { /* not there */ }
  }
  throw new Error(
    "strace not found: install it with `apt-get install -y strace` (the " +
      "socket tests read TCP_NODELAY from the system calls)",
  );
}

/** The arguments that run `command` under strace, writing to `output`. */
export function straceArgs(output: string): string[] {
  return [
    stracePath(),
    "-f",
    "-qq",
    "-e",
    "trace=socket,connect,setsockopt,close",
    "-e",
    "signal=none",
    "-o",
    output,
  ];
}

const LINE = /^(\d+)\s+(.*)$/;
const CALL = /^(\w+)\((.*)\)\s+=\s+(-?\d+)/;

/**
 * The sockets in strace's output (`-f -o`): joins calls that another
 * thread split (`<unfinished ...>` / `<... resumed>`), and follows each fd
 * from `socket()` to `close()`.
 */
export function parseStrace(text: string): TracedSocket[] {
  const pending = new Map<number, string>();
  const open = new Map<string, TracedSocket>();
  const all: TracedSocket[] = [];
  for (const raw of text.split("\n")) {
    const m = LINE.exec(raw);
    if (!m) continue;
    const pid = Number(m[1]);
    let call = m[2];
    if (call.endsWith("<unfinished ...>")) {
      pending.set(pid, call.slice(0, -"<unfinished ...>".length));
      continue;
    }
    const resumed = /^<\.\.\. \w+ resumed>(.*)$/.exec(call);
    if (resumed) {
      call = (pending.get(pid) ?? "") + resumed[1];
      pending.delete(pid);
    }
    const c = CALL.exec(call);
    if (!c) continue;
    const [, name, args, ret] = c;
    // Threads share fds: sockets are keyed by fd alone, so the traced
    // program must be one process (its threads are followed by -f).
    if (name === "socket" && Number(ret) >= 0) {
      if (!/SOCK_STREAM/.test(args) || !/AF_INET/.test(args)) continue;
      const s: TracedSocket = { pid, fd: Number(ret), ports: [], noDelay: [] };
      open.set(String(s.fd), s);
      all.push(s);
      continue;
    }
    const fd = Number(/^(\d+)/.exec(args)?.[1]);
    const s = open.get(String(fd));
    if (s === undefined) continue;
    if (name === "connect") {
      const port = /sin6?_port=htons\((\d+)\)/.exec(args);
      if (port) s.ports.push(Number(port[1]));
    } else if (name === "setsockopt" && /TCP_NODELAY/.test(args)) {
      const value = /TCP_NODELAY,\s*\[(\d+)\]/.exec(args);
      if (value && Number(ret) === 0) s.noDelay.push(Number(value[1]));
    } else if (name === "close" && Number(ret) === 0) {
      open.delete(String(fd));
    }
  }
  return all;
}
