// Test helper (not a test file): a nats bus in a child process
// (tests/fixtures/nats_peer.ts) run by the runtime under test, and its
// output lines.
//
// Under Deno a peer runs as `deno run -A nats_peer.ts`. The Node and Bun
// runners say how to start a peer with the runtime under test in
// MCB_PEER_COMMAND: a JSON array (executable, its flags, the peer module),
// e.g. ["/path/node", "--import", "/path/deno_shim.mjs", "/path/nats_peer.js"].
import { LineProcess } from "./_child.ts";

const PEER = new URL("./fixtures/nats_peer.ts", import.meta.url).pathname;
const CONFIG = new URL("../deno.json", import.meta.url).pathname;

/** How to start a peer: [executable, ...args before the peer's own args]. */
export function peerCommand(): string[] {
  const fromEnv = Deno.env.get("MCB_PEER_COMMAND");
  if (fromEnv) {
    const command = JSON.parse(fromEnv);
    if (
      !Array.isArray(command) || command.length < 2 ||
      !command.every((part) => typeof part === "string")
    ) {
      throw new Error(`MCB_PEER_COMMAND: a JSON string array, got ${fromEnv}`);
    }
    return command;
  }
  return [Deno.execPath(), "run", "-A", "--config", CONFIG, PEER];
}

/** One JSON line a peer printed. */
export interface Line {
  kind: string;
  id?: string;
  type?: string;
  from?: string;
  n?: number;
  received?: number;
}

/** One running peer: its parsed output lines and its exit status. */
export class Peer {
  readonly lines: Line[] = [];
  readonly status: Promise<Deno.CommandStatus>;
  readonly stderr: Promise<string>;
  #process: LineProcess;
  #waiters: (() => void)[] = [];
  #output: Promise<void>;

  /**
   * Spawns `<wrap...> <command> <url> <stream> <prefix> <name> <count>`;
   * `wrap` runs the peer under another program (e.g. strace), `command`
   * replaces {@linkcode peerCommand}.
   */
  constructor(
    readonly name: string,
    common: string[],
    count: number,
    options: { wrap?: string[]; command?: string[] } = {},
  ) {
    const [command, ...args] = [
      ...options.wrap ?? [],
      ...options.command ?? peerCommand(),
    ];
    this.#process = new LineProcess(
      command,
      [...args, ...common, name, `${count}`],
      (line) => {
        this.lines.push(JSON.parse(line));
        this.#wake();
      },
    );
    this.status = this.#process.status;
    this.stderr = this.#process.stderr;
    this.#output = this.#process.output.then(() => this.#wake());
  }

  #wake(): void {
    for (const wake of this.#waiters.splice(0)) wake();
  }

  /** Resolves once a line of `kind` was printed; rejects after `ms`. */
  async waitFor(kind: string, ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    while (!this.lines.some((l) => l.kind === kind)) {
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(
          `peer ${this.name}: no "${kind}" line after ${ms} ms; stderr:\n${await this
            .stderrSoFar()}`,
        );
      }
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        new Promise<void>((r) => this.#waiters.push(r)),
        new Promise<void>((r) => timer = setTimeout(r, Math.min(left, 250))),
      ]);
      clearTimeout(timer);
    }
  }

  stderrSoFar(): Promise<string> {
    return Promise.race([
      this.stderr,
      new Promise<string>((r) => setTimeout(() => r("(still running)"), 100)),
    ]);
  }

  async go(): Promise<void> {
    await this.#process.write("go\n");
  }

  /** Waits for exit (killing it after `ms`), closing stdin and stdout. */
  async finish(ms: number): Promise<Deno.CommandStatus> {
    const status = await this.#process.finish(ms);
    await this.#output;
    return status;
  }

  of(kind: string): Line[] {
    return this.lines.filter((l) => l.kind === kind);
  }
}
