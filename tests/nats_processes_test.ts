// Two nats buses in separate OS processes (tests/fixtures/nats_peer.ts) on a
// real nats-server, loopback only: each publishes N events and must receive
// the other's N (and its own) exactly once.
//
// Under Deno the peers run as `deno run -A nats_peer.ts`. The Node and Bun
// runners say how to start a peer with the runtime under test in
// MCB_PEER_COMMAND: a JSON array (executable, its flags, the peer module),
// e.g. ["/path/node", "--import", "/path/deno_shim.mjs", "/path/nats_peer.js"].
import assert from "node:assert/strict";
import { startNatsServer } from "./nats_server.ts";

const PEER = new URL("./fixtures/nats_peer.ts", import.meta.url).pathname;
const ROOT = new URL("../", import.meta.url).pathname;
const CONFIG = new URL("../deno.json", import.meta.url).pathname;

/** How to start a peer: [executable, ...args before the peer's own args]. */
function peerCommand(): string[] {
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

interface Line {
  kind: string;
  id?: string;
  type?: string;
  from?: string;
  n?: number;
  received?: number;
}

/** One running peer: its parsed output lines and its exit status. */
class Peer {
  readonly lines: Line[] = [];
  readonly status: Promise<Deno.CommandStatus>;
  readonly stderr: Promise<string>;
  #child: Deno.ChildProcess;
  #stdin: WritableStreamDefaultWriter<Uint8Array>;
  #waiters: (() => void)[] = [];
  #output: Promise<void>;

  /** Spawns `<peer command> <url> <stream> <prefix> <name> <count>`. */
  constructor(readonly name: string, common: string[], count: number) {
    const [command, ...args] = peerCommand();
    this.#child = new Deno.Command(command, {
      args: [...args, ...common, name, `${count}`],
      cwd: ROOT,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    }).spawn();
    this.#stdin = this.#child.stdin.getWriter();
    this.status = this.#child.status;
    this.stderr = new Response(this.#child.stderr).text();
    this.#output = this.#read();
  }

  async #read(): Promise<void> {
    let pending = "";
    const text = this.#child.stdout.pipeThrough(new TextDecoderStream());
    for await (const chunk of text) {
      pending += chunk;
      const parts = pending.split("\n");
      pending = parts.pop() ?? "";
      for (const part of parts) {
        if (part.trim() === "") continue;
        this.lines.push(JSON.parse(part));
        for (const wake of this.#waiters.splice(0)) wake();
      }
    }
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
    await this.#stdin.write(new TextEncoder().encode("go\n"));
  }

  /** Waits for exit (killing it after `ms`), closing stdin and stdout. */
  async finish(ms: number): Promise<Deno.CommandStatus> {
    const timer = setTimeout(() => {
      try {
        this.#child.kill("SIGKILL");
      } catch { /* already exited */ }
    }, ms);
    try {
      await this.#stdin.close().catch(() => {});
      const status = await this.status;
      await this.#output;
      return status;
    } finally {
      clearTimeout(timer);
    }
  }

  of(kind: string): Line[] {
    return this.lines.filter((l) => l.kind === kind);
  }
}

Deno.test({
  name:
    "publish()/subscribe(): two bus instances in separate processes exchange events both ways",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    await using server = await startNatsServer();
    const N = 12;
    const common = [server.wsUrl, "PROC_1", "proc.t1"];
    const alice = new Peer("alice", common, N);
    const bob = new Peer("bob", common, N);
    try {
      await Promise.all([
        alice.waitFor("ready", 15_000),
        bob.waitFor("ready", 15_000),
      ]);
      await Promise.all([alice.go(), bob.go()]);
      const [sa, sb] = await Promise.all([
        alice.finish(20_000),
        bob.finish(20_000),
      ]);
      const why = async () =>
        `alice stderr:\n${await alice.stderr}\nbob stderr:\n${await bob
          .stderr}`;
      assert.equal(sa.code, 0, await why());
      assert.equal(sb.code, 0, await why());

      for (const [me, other] of [[alice, bob], [bob, alice]] as const) {
        const published = me.of("published");
        assert.equal(published.length, N, `${me.name} published`);
        const received = me.of("received");
        const fromOther = received.filter((l) => l.from === other.name);
        const fromSelf = received.filter((l) => l.from === me.name);
        assert.equal(received.length, 2 * N, `${me.name} received`);
        // Exactly the other's ids, each once, in its publish order.
        assert.deepEqual(
          fromOther.map((l) => l.id),
          other.of("published").map((l) => l.id),
          `${me.name} got ${other.name}'s events`,
        );
        assert.deepEqual(
          fromSelf.map((l) => l.id),
          published.map((l) => l.id),
          `${me.name} got its own events`,
        );
        assert.deepEqual(fromOther.map((l) => l.n), [...Array(N).keys()]);
        assert.deepEqual(
          fromOther.map((l) => l.type),
          other.of("published").map((l) => l.type),
        );
        assert.equal(me.of("done").at(0)?.received, N);
      }
      const ids = new Set(
        [...alice.of("published"), ...bob.of("published")].map((l) => l.id),
      );
      assert.equal(ids.size, 2 * N, "ids are unique across processes");
    } finally {
      await Promise.all([alice.finish(5000), bob.finish(5000)]);
    }
  },
});
