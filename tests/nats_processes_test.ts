// Two nats buses in separate OS processes (tests/fixtures/nats_peer.ts) on a
// real nats-server, loopback only: each publishes N events and must receive
// the other's N (and its own) exactly once.
// The peers run with the runtime under test (tests/_peer.ts).
import assert from "node:assert/strict";
import { startNatsServer } from "./nats_server.ts";
import { Peer } from "./_peer.ts";

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
