// Test helper (not a test file): a child process, started from the
// repository root, whose stdout is handed over line by line, and whose
// stdin stays open until `finish()`. Peers (tests/_peer.ts) and group member
// processes (tests/faults/group_member_kill_test.ts) run in one.
const ROOT = new URL("../", import.meta.url).pathname;

/** A running child process and the end of its output. */
export class LineProcess {
  readonly status: Promise<Deno.CommandStatus>;
  readonly stderr: Promise<string>;
  /** Resolves once stdout ended and each line went to `onLine`. */
  readonly output: Promise<void>;
  #child: Deno.ChildProcess;
  #stdin: WritableStreamDefaultWriter<Uint8Array>;

  /**
   * Spawns `command args...` with `NO_COLOR=1`; every non-blank line it
   * prints on stdout goes to `onLine`.
   */
  constructor(
    command: string,
    args: string[],
    onLine: (line: string) => void,
  ) {
    this.#child = new Deno.Command(command, {
      args,
      cwd: ROOT,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    }).spawn();
    this.#stdin = this.#child.stdin.getWriter();
    this.status = this.#child.status;
    this.stderr = new Response(this.#child.stderr).text();
    this.output = readLines(this.#child, onLine);
  }

  /** Writes `text` to the child's stdin. */
  async write(text: string): Promise<void> {
    await this.#stdin.write(new TextEncoder().encode(text));
  }

  /** Sends `signal` (SIGKILL by default), unless it already exited. */
  kill(signal: Deno.Signal = "SIGKILL"): void {
    try {
      this.#child.kill(signal);
    } catch { /* already exited */ }
  }

  /**
   * Ends stdin and waits for the exit and the end of stdout (killing the
   * child after `ms`).
   */
  async finish(ms: number): Promise<Deno.CommandStatus> {
    const timer = setTimeout(() => this.kill(), ms);
    try {
      await this.#stdin.close().catch(() => {});
      const status = await this.status;
      await this.output;
      return status;
    } finally {
      clearTimeout(timer);
    }
  }
}

async function readLines(
  child: Deno.ChildProcess,
  onLine: (line: string) => void,
): Promise<void> {
  let pending = "";
  const text = child.stdout.pipeThrough(new TextDecoderStream());
  for await (const chunk of text) {
    pending += chunk;
    const parts = pending.split("\n");
    pending = parts.pop() ?? "";
    for (const part of parts) {
      if (part.trim() !== "") onLine(part);
    }
  }
}
