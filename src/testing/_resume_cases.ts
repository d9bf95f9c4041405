// Conformance cases about resuming: `position()` and `from: { after }`.
// A transport without history skips the cases whose name starts with
// "position()" (with a reason); the others hold for every transport.
import type { ResumeGap } from "../core/bus.ts";
import type { CloudEvent } from "../core/envelope.ts";
import { assert, assertEquals, assertThrows } from "./_assert.ts";
import type { CaseFn } from "./case_context.ts";
import { collect } from "./_collect.ts";

const range = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) => from + i);

export const resumeCases: Record<string, CaseFn> = {
  "position() of an event is the same at publish and delivery, and from: { after } resumes with no gap and no repeat":
    async (t) => {
      const bus = await t.bus();
      const delivered = await collect(bus, "index.progress");
      const published: CloudEvent[] = [];
      for (const n of range(0, 10)) {
        published.push(await bus.publish("index.progress", { n }));
        // Another type in between: a resumed pattern must not see it.
        await bus.publish("context.updated", { path: `/p${n}` });
      }
      await t.waitFor(() => delivered.length === 10, "10 delivered");
      const positions = delivered.map((e) => bus.position(e));
      for (const [i, p] of positions.entries()) {
        assert(
          typeof p === "string" && p.length > 0,
          `position() of delivered event ${i} is a string, got ${p}`,
        );
        assertEquals(
          bus.position(published[i]),
          p,
          `position() of published event ${i} equals its delivery's`,
        );
      }
      assertEquals(new Set(positions).size, 10, "positions are distinct");

      const gaps: ResumeGap[] = [];
      const got: number[] = [];
      const resumed = bus.subscribe("index.progress", (e) => {
        got.push(e.data.n);
      }, { from: { after: positions[4]! }, onGap: (g) => gaps.push(g) });
      await resumed.ready;
      for (const n of range(10, 13)) {
        await bus.publish("index.progress", { n });
      }
      await t.waitFor(() => got.length >= 8, "5..12 at the resumed one");
      await t.quiet();
      assertEquals(got, range(5, 13), "missed events then live, in order");
      assertEquals(gaps, [], "no gap reported");
    },

  "position() resumes events() too: from: { after } replays what the iterator missed":
    async (t) => {
      const bus = await t.bus();
      const first = bus.events("index.progress");
      await first.ready;
      for (const n of range(0, 6)) await bus.publish("index.progress", { n });
      const seen: CloudEvent[] = [];
      for await (const e of first) {
        seen.push(e);
        if (seen.length === 3) break; // the reader goes away after n = 2
      }
      const after = bus.position(seen[2]);
      assert(after !== undefined, "position() of an iterated event");
      const gaps: ResumeGap[] = [];
      const again = bus.events("index.progress", {
        from: { after: after! },
        onGap: (g) => gaps.push(g),
      });
      await again.ready;
      await bus.publish("index.progress", { n: 6 });
      const got: number[] = [];
      for await (const e of again) {
        got.push(e.data.n);
        if (got.length === 4) break;
      }
      assertEquals(got, [3, 4, 5, 6], "the events after the position");
      assertEquals(gaps, [], "no gap reported");
    },

  "subscribe() with from: { after } a position unknown to the bus reports an unknown gap and starts with new events":
    async (t) => {
      const bus = await t.bus();
      await bus.publish("index.progress", { n: 0 });
      const gaps: ResumeGap[] = [];
      const got: number[] = [];
      const sub = bus.subscribe("index.progress", (e) => {
        got.push(e.data.n);
      }, {
        from: { after: "x:not-a-position:7" },
        onGap: (g) => {
          assertEquals(got, [], "onGap comes before any event");
          gaps.push(g);
        },
      });
      await sub.ready;
      await bus.publish("index.progress", { n: 1 });
      await t.waitFor(() => got.length === 1, "the new event");
      await t.quiet();
      assertEquals(got, [1], "only new events");
      assertEquals(gaps.length, 1, "one gap");
      assertEquals(gaps[0].reason, "unknown", "gap reason");
      assertEquals(gaps[0].after, "x:not-a-position:7", "gap.after");
      assert(typeof gaps[0].message === "string", "gap.message");
    },

  "subscribe() refuses from: { after } with a group, or a position that is not a string":
    async (t) => {
      const bus = await t.bus();
      assertThrows(
        () =>
          bus.subscribe("index.progress", () => {}, {
            group: "g1",
            from: { after: "x" },
          }),
        "TypeError",
        "group with from: { after }",
      );
      assertThrows(
        () =>
          bus.subscribe("index.progress", () => {}, {
            from: { after: 42 as unknown as string },
          }),
        "TypeError",
        "a numeric position",
      );
      assertEquals(
        bus.hasSubscribers("index.progress"),
        false,
        "nothing subscribed",
      );
    },
};
