// Conformance cases about ending subscriptions, iterators, validation and
// closing the bus.
import type { ValidationError } from "../core/errors.ts";
import {
  assert,
  assertEquals,
  assertRejects,
  assertThrows,
  sleep,
} from "./_assert.ts";
import type { CaseFn } from "./case_context.ts";
import { collect } from "./_collect.ts";

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

export const lifecycleCases: Record<string, CaseFn> = {
  "unsubscribe() mid-stream stops delivery to that subscriber only": async (
    t,
  ) => {
    const bus = await t.bus();
    const a: number[] = [];
    const b: number[] = [];
    const subA = bus.subscribe("index.progress", (e) => {
      a.push(e.data.n);
      if (e.data.n === 4) subA.unsubscribe();
    });
    await subA.ready;
    await bus.subscribe("index.progress", (e) => {
      b.push(e.data.n);
    }).ready;
    for (const n of range(10)) await bus.publish("index.progress", { n });
    await t.waitFor(() => b.length === 10, "10 at b");
    await t.quiet();
    assertEquals(a, range(5), "a stops after unsubscribing itself at 4");
    assertEquals(subA.closed, true, "subA.closed");
    subA.unsubscribe(); // idempotent
  },

  "subscribe() ends when its signal aborts, and not at all if already aborted":
    async (t) => {
      const bus = await t.bus();
      const controller = new AbortController();
      const got: number[] = [];
      const sub = bus.subscribe("index.progress", (e) => {
        got.push(e.data.n);
      }, { signal: controller.signal });
      await sub.ready;
      await bus.publish("index.progress", { n: 1 });
      await t.waitFor(() => got.length === 1, "first event");
      controller.abort();
      assertEquals(sub.closed, true, "closed after abort");
      await bus.publish("index.progress", { n: 2 });
      const pre = bus.subscribe("index.progress", () => {
        got.push(-1);
      }, { signal: AbortSignal.abort() });
      assertEquals(pre.closed, true, "pre-aborted subscription is closed");
      await t.quiet();
      assertEquals(got, [1], "nothing after abort");
    },

  "subscribe() with once: true handles one event; `using` unsubscribes": async (
    t,
  ) => {
    const bus = await t.bus();
    const got: number[] = [];
    const sub = bus.subscribe("index.progress", (e) => {
      got.push(e.data.n);
    }, { once: true });
    await sub.ready;
    {
      using scoped = bus.subscribe("index.progress", (e) => {
        got.push(100 + e.data.n);
      });
      await scoped.ready;
    }
    for (const n of range(3)) await bus.publish("index.progress", { n });
    await t.waitFor(() => got.length >= 1, "first event");
    await t.quiet();
    assertEquals(got, [0], "once delivers one; disposed one delivers none");
    assertEquals(sub.closed, true, "once subscription closed");
  },

  "events() yields in order; breaking out releases the subscription": async (
    t,
  ) => {
    const bus = await t.bus();
    const stream = bus.events("index.progress");
    await stream.ready;
    for (const n of range(20)) await bus.publish("index.progress", { n });
    const got: number[] = [];
    for await (const e of stream) {
      got.push(e.data.n);
      if (got.length === 20) break;
    }
    assertEquals(got, range(20), "iterated events");
    assertEquals(bus.hasSubscribers("index.progress"), false, "released");
    assertEquals(stream.dropped, 0, "nothing dropped");
  },

  'events() with overflow "drop-oldest" keeps the newest and counts drops':
    async (t) => {
      const bus = await t.bus();
      const stream = bus.events("index.progress", { buffer: 4 });
      await stream.ready;
      for (const n of range(10)) await bus.publish("index.progress", { n });
      await t.waitFor(() => stream.dropped === 6, "6 dropped");
      const got: number[] = [];
      for (const _ of range(4)) got.push((await stream.next()).value!.data.n);
      assertEquals(got, [6, 7, 8, 9], "newest four kept");
      assertEquals(bus.stats().dropped, 6, "stats().dropped");
      assert(
        t.errors.some((e) => e.context.kind === "overflow"),
        "onError told of overflow",
      );
      await stream.return?.();
    },

  'events() with overflow "error" ends the iterator with an OverflowError':
    async (t) => {
      const bus = await t.bus();
      const stream = bus.events("index.progress", {
        buffer: 2,
        overflow: "error",
      });
      await stream.ready;
      for (const n of range(3)) await bus.publish("index.progress", { n });
      await t.waitFor(() => !bus.hasSubscribers("index.progress"), "released");
      await assertRejects(() => stream.next(), "OverflowError", "next()");
      assertEquals((await stream.next()).done, true, "done afterwards");
    },

  "once() resolves with the next match, and rejects on timeout or abort":
    async (t) => {
      const bus = await t.bus();
      const next = bus.once("context.*", { timeout: 5000 });
      await sleep(20);
      await bus.publish("index.progress", { n: 1 });
      await bus.publish("context.deleted", { path: "/gone" });
      const event = await next;
      assertEquals(event.type, "context.deleted", "type");
      await assertRejects(
        () => bus.once("cache.invalidate", { timeout: 30 }),
        "TimeoutError",
        "once() with timeout",
      );
      const controller = new AbortController();
      const waiting = bus.once("cache.invalidate", {
        signal: controller.signal,
      });
      controller.abort(new DOMException("stop", "AbortError"));
      await assertRejects(() => waiting, "AbortError", "once() aborted");
      assertEquals(bus.hasSubscribers("cache.invalidate"), false, "released");
    },

  "publish() rejects invalid data with a ValidationError that reaches no subscriber":
    async (t) => {
      const bus = await t.bus();
      const got = await collect(bus, ">");
      const error = await assertRejects(
        // @ts-expect-error path must be a string
        () => bus.publish("context.updated", { path: 42 }),
        "ValidationError",
        "publish with a number path",
      ) as ValidationError;
      assertEquals(
        error.issues.map((i) => i.path),
        ["data.path"],
        "issue paths",
      );
      assert(/string/.test(error.issues[0].message), "message names the type");
      await assertRejects(
        // @ts-expect-error not in the catalog
        () => bus.publish("nope.nothing", {}),
        "EventTypeError",
        "unknown type",
      );
      assertThrows(
        // @ts-expect-error malformed: ">" is not the last token
        () => bus.subscribe("context.>.x", () => {}),
        "EventTypeError",
        "bad pattern",
      );
      assertThrows(
        // @ts-expect-error selects no type of the catalog
        () => bus.subscribe("zzz.*", () => {}),
        "EventTypeError",
        "pattern matching nothing",
      );
      await t.quiet();
      assertEquals(got.length, 0, "nothing delivered");
      assertEquals(bus.stats().invalid, 2, "stats().invalid");
    },

  "close() waits for running handlers, ends streams and rejects later calls":
    async (t) => {
      const bus = await t.bus();
      let finished = false;
      let started = false;
      await bus.subscribe("context.updated", async () => {
        started = true;
        await sleep(50);
        finished = true;
      }).ready;
      const stream = bus.events("cache.invalidate");
      await stream.ready;
      // Settled early so its rejection at close() is handled.
      const pending = bus.once("index.progress").then(
        () => undefined,
        (error: Error) => error,
      );
      await bus.publish("context.updated", { path: "/a" });
      await t.waitFor(() => started, "handler started");
      const closing = bus.close();
      assert(bus.close() === closing, "close() returns the same promise");
      await closing;
      assertEquals(finished, true, "close() waited for the async handler");
      assertEquals(bus.closed, true, "closed");
      assertEquals((await stream.next()).done, true, "stream ended");
      assertEquals((await pending)?.name, "BusClosedError", "pending once()");
      await assertRejects(
        () => bus.publish("context.updated", { path: "/b" }),
        "BusClosedError",
        "publish after close",
      );
      assertThrows(
        () => bus.subscribe(">", () => {}),
        "BusClosedError",
        "subscribe after close",
      );
    },
};
