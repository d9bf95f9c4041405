// Conformance cases about what is delivered to whom, and in which order.
import type { CloudEvent } from "../core/envelope.ts";
import { assert, assertEquals } from "./_assert.ts";
import type { CaseFn } from "./case_context.ts";

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

export const deliveryCases: Record<string, CaseFn> = {
  "publish() delivers a CloudEvent 1.0 envelope to a matching subscriber":
    async (t) => {
      const bus = await t.bus({ source: "/conformance/a" });
      const got: CloudEvent[] = [];
      const sub = bus.subscribe("context.updated", (e) => {
        got.push(e);
      });
      await sub.ready;
      const published = await bus.publish("context.updated", { path: "/x" }, {
        subject: "x",
        traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
      });
      await t.waitFor(() => got.length === 1, "one delivery");
      const e = got[0];
      assertEquals(e.specversion, "1.0", "specversion");
      assertEquals(e.type, "context.updated", "type");
      assertEquals(e.source, "/conformance/a", "source");
      assertEquals(e.datacontenttype, "application/json", "datacontenttype");
      assertEquals(e.subject, "x", "subject");
      assertEquals(e.data, { path: "/x" }, "data");
      assertEquals(e.id, published.id, "id of delivered vs published");
      assert(typeof e.id === "string" && e.id.length > 0, "id is a string");
      assert(!Number.isNaN(Date.parse(e.time)), `time parses: ${e.time}`);
      assertEquals(
        e.traceparent,
        "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        "traceparent",
      );
    },

  "subscribe() delivers events in publish order to each subscriber": async (
    t,
  ) => {
    const bus = await t.bus();
    const a: number[] = [];
    const b: number[] = [];
    await bus.subscribe("index.progress", (e) => {
      a.push(e.data.n);
    }).ready;
    await bus.subscribe("index.>", (e) => {
      if (e.type === "index.progress") b.push(e.data.n);
    }).ready;
    await Promise.all(
      range(500).map((n) => bus.publish("index.progress", { n })),
    );
    await t.waitFor(() => a.length === 500 && b.length === 500, "500 each");
    assertEquals(a, range(500), "order seen by exact subscriber");
    assertEquals(b, range(500), "order seen by pattern subscriber");
  },

  "subscribe() fans out every event to every subscriber": async (t) => {
    const bus = await t.bus();
    const counts = range(10).map(() => 0);
    for (const i of range(10)) {
      await bus.subscribe("context.updated", () => {
        counts[i]++;
      }).ready;
    }
    for (const n of range(100)) {
      await bus.publish("context.updated", { path: "/p", n });
    }
    await t.waitFor(() => counts.every((c) => c === 100), "100 events x 10");
    await t.quiet();
    assertEquals(counts, range(10).map(() => 100), "deliveries per subscriber");
    assertEquals(bus.stats().published, 100, "stats().published");
    assertEquals(bus.stats().delivered, 1000, "stats().delivered");
  },

  "subscribe() patterns: `*` matches one token, `>` one or more": async (t) => {
    const bus = await t.bus();
    const seen: Record<string, string[]> = {};
    for (
      const p of ["context.*", "index.*", "index.>", ">", "context.deleted"]
    ) {
      seen[p] = [];
      await bus.subscribe(p, (e) => {
        seen[p].push(e.type);
      }).ready;
    }
    await bus.publish("context.updated", { path: "/a" });
    await bus.publish("context.deleted", { path: "/a" });
    await bus.publish("index.progress", { n: 1 });
    await bus.publish("index.phase.started", { phase: "scan" });
    await bus.publish("cache.invalidate", {});
    await t.waitFor(() => seen[">"].length === 5, "5 events on >");
    await t.quiet();
    assertEquals(
      seen["context.*"],
      ["context.updated", "context.deleted"],
      "context.*",
    );
    assertEquals(seen["index.*"], ["index.progress"], "index.*");
    assertEquals(
      seen["index.>"],
      ["index.progress", "index.phase.started"],
      "index.>",
    );
    assertEquals(seen["context.deleted"], ["context.deleted"], "exact type");
  },

  "subscribe() from several publishers at once loses nothing and keeps each publisher's order":
    async (t) => {
      const bus = await t.bus();
      const got: { from: string; n: number }[] = [];
      await bus.subscribe("index.progress", (e) => {
        got.push({ from: e.data.from!, n: e.data.n });
      }).ready;
      const publishers = range(8).map(async (p) => {
        for (const n of range(100)) {
          // Interleave publishers without awaiting each publish.
          if (n % 10 === 0) await Promise.resolve();
          void bus.publish("index.progress", { n, from: `p${p}` });
        }
        await bus.publish("index.progress", { n: 100, from: `p${p}` });
      });
      await Promise.all(publishers);
      await t.waitFor(() => got.length === 808, "808 events");
      for (const p of range(8)) {
        const mine = got.filter((g) => g.from === `p${p}`).map((g) => g.n);
        assertEquals(mine, range(101), `order of publisher p${p}`);
      }
    },

  "publish() from inside a handler keeps publish order for every subscriber":
    async (t) => {
      const bus = await t.bus();
      const first: string[] = [];
      const second: string[] = [];
      await bus.subscribe(">", (e) => {
        first.push(e.type);
        if (e.type === "context.updated") {
          void bus.publish("context.deleted", { path: "/a" });
        }
      }).ready;
      await bus.subscribe(">", (e) => {
        second.push(e.type);
      }).ready;
      await bus.publish("context.updated", { path: "/a" });
      await t.waitFor(() => second.length === 2, "both events at subscriber 2");
      assertEquals(
        first,
        ["context.updated", "context.deleted"],
        "subscriber 1",
      );
      assertEquals(
        second,
        ["context.updated", "context.deleted"],
        "subscriber 2",
      );
    },

  "subscribe() isolates a throwing or rejecting handler from the others":
    async (t) => {
      const bus = await t.bus();
      let good = 0;
      await bus.subscribe("context.updated", () => {
        throw new Error("sync boom");
      }).ready;
      await bus.subscribe(
        "context.updated",
        () => Promise.reject(new Error("async boom")),
      ).ready;
      await bus.subscribe("context.updated", () => {
        good++;
      }).ready;
      for (const n of range(5)) {
        await bus.publish("context.updated", { path: "/a", n });
      }
      await t.waitFor(() => good === 5, "5 good deliveries");
      await t.waitFor(
        () => bus.stats().handlerErrors === 10,
        "10 handler errors",
      );
      const handlerErrors = t.errors.filter((e) =>
        e.context.kind === "handler"
      );
      assertEquals(handlerErrors.length, 10, "errors reported to onError");
      const messages = new Set(
        handlerErrors.map((e) => (e.error as Error).message),
      );
      assertEquals(
        [...messages].sort(),
        ["async boom", "sync boom"],
        "error messages",
      );
      assert(
        handlerErrors.every((e) => e.context.event?.type === "context.updated"),
        "onError context carries the event",
      );
    },

  "subscribe() with a group hands each event to one member; others still get all":
    async (t) => {
      const bus = await t.bus();
      const members = [0, 0];
      const seen = new Set<number>();
      let duplicates = 0;
      let everyone = 0;
      for (const i of [0, 1]) {
        await bus.subscribe("index.progress", (e) => {
          members[i]++;
          if (seen.has(e.data.n)) duplicates++;
          seen.add(e.data.n);
        }, { group: "workers" }).ready;
      }
      await bus.subscribe("index.progress", () => {
        everyone++;
      }).ready;
      for (const n of range(40)) await bus.publish("index.progress", { n });
      await t.waitFor(() => seen.size === 40 && everyone === 40, "40 each");
      await t.quiet();
      assertEquals(members[0] + members[1], 40, "group deliveries in all");
      assertEquals(duplicates, 0, "duplicates within the group");
      assertEquals(everyone, 40, "the subscriber outside the group");
    },

  "hasSubscribers() follows subscribe and unsubscribe": async (t) => {
    const bus = await t.bus();
    assertEquals(bus.hasSubscribers("context.updated"), false, "before");
    const sub = bus.subscribe("context.*", () => {});
    await sub.ready;
    assertEquals(
      bus.hasSubscribers("context.updated"),
      true,
      "after subscribe",
    );
    assertEquals(bus.hasSubscribers("index.progress"), false, "other type");
    sub.unsubscribe();
    assertEquals(
      bus.hasSubscribers("context.updated"),
      false,
      "after unsubscribe",
    );
  },
};
