// The socket a bus opens by default, read from the system calls (strace):
// on every server runtime (Deno, Node 22 and 24, Bun: the runtime under test
// runs the peers, see tests/_peer.ts) each WebSocket to nats-server has
// TCP_NODELAY on. Without it, paced publishes wait for delayed ACKs (p50
// ~20 ms at 1,000 events/s on Deno's own WebSocket; BENCHMARKS.md). The
// speed is the benchmark's (deno task bench --suite latency); this test
// shows the choice.
import assert from "node:assert/strict";
import { startNatsServer } from "./nats_server.ts";
import { userAgent } from "./_runtime.ts";
import { Peer, peerCommand } from "./_peer.ts";
import { parseStrace, straceArgs, type TracedSocket } from "./_strace.ts";

const T = { sanitizeOps: false, sanitizeResources: false };
const N = 6;

/** Two peers under strace exchange N events each; their sockets. */
async function tracedExchange(
  wsUrl: string,
  stream: string,
  command?: string[],
): Promise<{ sockets: TracedSocket[][]; stderr: string[] }> {
  const dir = await Deno.makeTempDir({ prefix: "mcb-strace-" });
  const files = [`${dir}/a.strace`, `${dir}/b.strace`];
  const common = [wsUrl, stream, stream.toLowerCase()];
  const peers = ["a", "b"].map((name, i) =>
    new Peer(name, common, N, { wrap: straceArgs(files[i]), command })
  );
  try {
    await Promise.all(peers.map((p) => p.waitFor("ready", 30_000)));
    await Promise.all(peers.map((p) => p.go()));
    const status = await Promise.all(peers.map((p) => p.finish(30_000)));
    const stderr = await Promise.all(peers.map((p) => p.stderr));
    status.forEach((s, i) => assert.equal(s.code, 0, stderr[i]));
    for (const p of peers) {
      // Each saw all 2N events: the sockets below carried real traffic.
      assert.equal(p.of("received").length, 2 * N, `${p.name} received`);
    }
    const sockets = await Promise.all(
      files.map(async (f) => parseStrace(await Deno.readTextFile(f))),
    );
    return { sockets, stderr };
  } finally {
    await Promise.all(peers.map((p) => p.finish(5000)));
    await Deno.remove(dir, { recursive: true });
  }
}

/** The sockets that connected to `port`. */
const toPort = (sockets: TracedSocket[], port: number) =>
  sockets.filter((s) => s.ports.includes(port));

Deno.test({
  name:
    "default socket: every WebSocket a bus opens to nats-server has TCP_NODELAY on (strace, this runtime)",
  ...T,
  fn: async () => {
    await using server = await startNatsServer();
    const { sockets } = await tracedExchange(server.wsUrl, "SOCK_DEFAULT");
    for (const [i, traced] of sockets.entries()) {
      const ws = toPort(traced, server.wsPort);
      assert.ok(ws.length >= 1, `peer ${i}: no socket to the WebSocket port`);
      for (const s of ws) {
        assert.equal(
          s.noDelay.at(-1),
          1,
          `peer ${i}, fd ${s.fd}: TCP_NODELAY set to [${s.noDelay}] (last must be 1)`,
        );
      }
    }
  },
});

// Deno only: its permission model is what the fallback answers to.
const onDeno = /^Deno\//.test(userAgent()) &&
  peerCommand()[0] === Deno.execPath();

if (onDeno) {
  Deno.test({
    name:
      "default socket on Deno without env permission: Deno's WebSocket (TCP_NODELAY off), a warning naming the flag, and it still works",
    ...T,
    fn: async () => {
      await using server = await startNatsServer();
      const [deno, , , ...rest] = peerCommand(); // deno run -A <rest>
      const restricted = [deno, "run", "--allow-net=127.0.0.1", "--allow-read"];
      const { sockets, stderr } = await tracedExchange(
        server.wsUrl,
        "SOCK_NOENV",
        [...restricted, ...rest],
      );
      for (const [i, traced] of sockets.entries()) {
        assert.match(
          stderr[i],
          /--allow-env=WS_NO_BUFFER_UTIL,WS_NO_UTF_8_VALIDATE/,
        );
        const ws = toPort(traced, server.wsPort);
        assert.ok(ws.length >= 1, `peer ${i}: no socket to the WebSocket port`);
        for (const s of ws) assert.equal(s.noDelay.at(-1), 0, `fd ${s.fd}`);
      }
    },
  });
}
