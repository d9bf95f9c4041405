// Conformance cases about `caughtUp`: a replay tells when it has delivered
// the history. The cases whose name starts with "caughtUp" replay history
// (`from: "all"`), so a transport without history skips them like the
// "position()" ones; the others hold for every transport.
import type { CaughtUp } from "../core/bus.ts";
import type { CloudEvent } from "../core/envelope.ts";
import { assert, assertEquals, assertRejects, sleep } from "./_assert.ts";
import type { CaseContext, CaseFn } from "./case_context.ts";
import type { ConformanceBus } from "./conformance_events.ts";

const range = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) => from + i);

/** Publishes `index.progress` 0..n-1, a `context.updated` after each. */
async function history(bus: ConformanceBus, n: number): Promise<CloudEvent[]> {
  const published: CloudEvent[] = [];
  for (const i of range(0, n)) {
    published.push(await bus.publish("index.progress", { n: i }));
    // Another type in between: the pattern must not wait for it.
    await bus.publish("context.updated", { path: `/p${i}` });
  }
  return published;
}

/** Resolves once `promise` did, with what `read()` said at that moment. */
async function settled<T>(
  t: CaseContext,
  promise: Promise<CaughtUp>,
  read: () => T,
  what: string,
): Promise<{ caught: CaughtUp; seen: T }> {
  let result: { caught: CaughtUp; seen: T } | undefined;
  promise.then((caught) => (result = { caught, seen: read() }));
  await t.waitFor(() => result !== undefined, what);
  return result!;
}

export const catchUpCases: Record<string, CaseFn> = {
  'caughtUp of subscribe() from: "all" resolves after exactly the history\'s events, then events are live':
    async (t) => {
      const bus = await t.bus();
      const published = await history(bus, 5);
      const got: number[] = [];
      const sub = bus.subscribe("index.progress", (e) => {
        got.push(e.data.n);
      }, { from: "all" });
      const { caught, seen } = await settled(
        t,
        sub.caughtUp,
        () => [...got],
        "caughtUp",
      );
      assertEquals(seen, range(0, 5), "the history, delivered before it");
      assertEquals(caught.replayed, 5, "replayed");
      assertEquals(
        caught.position,
        bus.position(published[4]),
        "the position of the last one replayed",
      );
      for (const n of range(5, 7)) await bus.publish("index.progress", { n });
      await t.waitFor(() => got.length === 7, "the live events");
      await t.quiet();
      assertEquals(got, range(0, 7), "history then live, no repeat");
    },

  "caughtUp of subscribe() waits for the async handlers of the history": async (
    t,
  ) => {
    const bus = await t.bus();
    await history(bus, 3);
    const handled: number[] = [];
    const sub = bus.subscribe("index.progress", async (e) => {
      // The first one is handled last.
      await sleep(e.data.n === 0 ? 60 : 5);
      handled.push(e.data.n);
    }, { from: "all" });
    const { caught, seen } = await settled(
      t,
      sub.caughtUp,
      () => handled.length,
      "caughtUp",
    );
    assertEquals(seen, 3, "every handler settled before it");
    assertEquals(caught.replayed, 3, "replayed");
  },

  'caughtUp of subscribe() from: "all" with no matching history resolves at once with 0':
    async (t) => {
      const bus = await t.bus();
      await bus.publish("context.updated", { path: "/other" });
      const got: CloudEvent[] = [];
      const sub = bus.subscribe("index.progress", (e) => {
        got.push(e);
      }, { from: "all" });
      const { caught } = await settled(t, sub.caughtUp, () => 0, "caughtUp");
      assertEquals(caught.replayed, 0, "replayed");
      assertEquals(caught.position, undefined, "no position");
      await bus.publish("index.progress", { n: 1 });
      await t.waitFor(() => got.length === 1, "the live event");
    },

  'caughtUp of events() from: "all" resolves once the reader took the history and asks for more':
    async (t) => {
      const bus = await t.bus();
      await history(bus, 4);
      const stream = bus.events("index.progress", { from: "all" });
      const got: number[] = [];
      let early: CaughtUp | undefined;
      let caught: CaughtUp | undefined;
      stream.caughtUp.then((c) => (caught = c));
      const reading = (async () => {
        for await (const e of stream) {
          got.push(e.data.n);
          if (got.length === 4) {
            // The reader has the last event of the history in hand.
            await t.quiet();
            early = caught;
          }
          if (got.length === 6) break;
        }
      })();
      await t.waitFor(() => caught !== undefined, "caughtUp of events()");
      assertEquals(early, undefined, "not before the reader asked for more");
      assertEquals(got, range(0, 4), "the history was read");
      assertEquals(caught!.replayed, 4, "replayed");
      for (const n of range(4, 6)) await bus.publish("index.progress", { n });
      await reading;
      assertEquals(got, range(0, 6), "then the live events");
    },

  "caughtUp of events() rejects when the reader stops before the end of the history":
    async (t) => {
      const bus = await t.bus();
      await history(bus, 3);
      const stream = bus.events("index.progress", { from: "all" });
      for await (const _ of stream) break;
      await assertRejects(
        () => stream.caughtUp,
        "AbortError",
        "caughtUp of a stream left after one event of three",
      );
    },

  "caughtUp of subscribe() rejects when the subscription ends first (once: true)":
    async (t) => {
      const bus = await t.bus();
      await history(bus, 2);
      const got: CloudEvent[] = [];
      const sub = bus.subscribe("index.progress", (e) => {
        got.push(e);
      }, { from: "all", once: true });
      await assertRejects(
        () => sub.caughtUp,
        "AbortError",
        "caughtUp of a once subscription that ended at the first of two",
      );
      assertEquals(got.length, 1, "one event");
    },

  'subscribe() and events() caughtUp resolve at once with 0 for from: "new"':
    async (t) => {
      const bus = await t.bus();
      const sub = bus.subscribe("index.progress", () => {});
      const stream = bus.events("index.progress");
      const a = await settled(t, sub.caughtUp, () => 0, "subscribe()");
      const b = await settled(t, stream.caughtUp, () => 0, "events()");
      assertEquals(a.caught, { replayed: 0, position: undefined }, "sub");
      assertEquals(b.caught, { replayed: 0, position: undefined }, "stream");
      sub.unsubscribe();
      await stream[Symbol.asyncDispose]();
      assert(sub.closed, "closed");
    },
};
