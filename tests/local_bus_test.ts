// Properties specific to the local transport: how it uses EventTarget, and
// that handler errors never reach the runtime's global error handling.
import assert from "node:assert/strict";
import { createLocalEventBus, defineEvents } from "../mod.ts";
import { z } from "zod";

const catalog = defineEvents({
  "context.updated": z.object({ path: z.string() }),
  "context.deleted": z.object({ path: z.string() }),
  "index.progress": z.object({ n: z.number() }),
});

function countDispatches(): { count: () => number; restore: () => void } {
  const original = EventTarget.prototype.dispatchEvent;
  let calls = 0;
  EventTarget.prototype.dispatchEvent = function (this: EventTarget, event) {
    calls++;
    return original.call(this, event);
  };
  return {
    count: () => calls,
    restore: () => {
      EventTarget.prototype.dispatchEvent = original;
    },
  };
}

Deno.test("publish() makes one dispatchEvent per event whatever the number of subscribers", async () => {
  for (const subscribers of [1, 10, 100]) {
    const bus = createLocalEventBus(catalog);
    let handled = 0;
    for (let i = 0; i < subscribers; i++) {
      const pattern = ["context.updated", "context.*", ">"][i % 3];
      bus.subscribe(pattern, () => {
        handled++;
      });
    }
    const spy = countDispatches();
    try {
      for (let n = 0; n < 50; n++) {
        await bus.publish("context.updated", { path: "/a" });
      }
    } finally {
      spy.restore();
    }
    assert.equal(spy.count(), 50, `dispatches with ${subscribers} subscribers`);
    assert.equal(handled, 50 * subscribers);
    await bus.close();
  }
});

Deno.test("publish() dispatches nothing for a type without subscribers", async () => {
  const bus = createLocalEventBus(catalog);
  bus.subscribe("context.*", () => {});
  const spy = countDispatches();
  try {
    await bus.publish("index.progress", { n: 1 });
  } finally {
    spy.restore();
  }
  assert.equal(spy.count(), 0);
  assert.equal(bus.stats().published, 1);
  await bus.close();
});

Deno.test("subscribe() handler errors never reach the global error event", async () => {
  let globalErrors = 0;
  const onGlobal = (e: Event) => {
    globalErrors++;
    e.preventDefault();
  };
  globalThis.addEventListener("error", onGlobal);
  globalThis.addEventListener("unhandledrejection", onGlobal);
  try {
    const reported: unknown[] = [];
    const bus = createLocalEventBus(catalog, {
      onError: (error) => reported.push(error),
    });
    let after = 0;
    bus.subscribe("context.updated", () => {
      throw new Error("boom");
    });
    bus.subscribe("context.updated", async () => {
      await Promise.resolve();
      throw new Error("late boom");
    });
    bus.subscribe("context.updated", () => {
      after++;
    });
    await bus.publish("context.updated", { path: "/a" });
    await bus.close();
    await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal(after, 1);
    assert.equal(reported.length, 2);
    assert.equal(globalErrors, 0);
  } finally {
    globalThis.removeEventListener("error", onGlobal);
    globalThis.removeEventListener("unhandledrejection", onGlobal);
  }
});

Deno.test("subscribe() then unsubscribe() 100k times leaves no subscriber behind", async () => {
  const bus = createLocalEventBus(catalog);
  for (let i = 0; i < 100_000; i++) {
    const sub = bus.subscribe(i % 2 ? "context.*" : "index.progress", () => {});
    sub.unsubscribe();
  }
  assert.equal(bus.hasSubscribers("context.updated"), false);
  assert.equal(bus.hasSubscribers("index.progress"), false);
  let got = 0;
  bus.subscribe(">", () => {
    got++;
  });
  await bus.publish("context.deleted", { path: "/x" });
  assert.equal(got, 1);
  await bus.close();
});

Deno.test("createLocalEventBus() with validate: false skips the schema but not the catalog", async () => {
  const bus = createLocalEventBus(catalog, { validate: false });
  const got: unknown[] = [];
  bus.subscribe("index.progress", (e) => {
    got.push(e.data);
  });
  // A trusted producer's data is passed through as is.
  await bus.publish("index.progress", { n: 1, extra: true } as { n: number });
  assert.deepEqual(got, [{ n: 1, extra: true }]);
  await assert.rejects(
    // @ts-expect-error unknown type
    () => bus.publish("no.such", {}),
    { name: "EventTypeError" },
  );
  await bus.close();
});

Deno.test("subscribe() with a group takes turns between members on the local bus", async () => {
  const bus = createLocalEventBus(catalog);
  const got = [0, 0, 0];
  for (const i of [0, 1, 2]) {
    bus.subscribe("index.progress", () => {
      got[i]++;
    }, { group: "g" });
  }
  for (let n = 0; n < 30; n++) await bus.publish("index.progress", { n });
  assert.deepEqual(got, [10, 10, 10]);
  await bus.close();
});

Deno.test('subscribe() on the local bus rejects from other than "new" and a malformed group', async () => {
  const bus = createLocalEventBus(catalog);
  assert.throws(() => bus.subscribe(">", () => {}, { from: "all" }), {
    name: "TypeError",
    message: /keeps none/,
  });
  assert.throws(() => bus.subscribe(">", () => {}, { group: "a b" }), {
    name: "TypeError",
    message: /group must be/,
  });
  assert.equal(bus.hasSubscribers("index.progress"), false);
  await bus.close();
});

Deno.test("health() of the local bus reports status, subscriptions and counters", async () => {
  const bus = createLocalEventBus(catalog);
  const sub = bus.subscribe(">", () => {});
  await bus.publish("index.progress", { n: 1 });
  const health = bus.health();
  assert.equal(health.transport, "local");
  assert.equal(health.ok, true);
  assert.equal(health.status, "ready");
  assert.equal(health.subscriptions, 1);
  assert.equal(health.stats.published, 1);
  sub.unsubscribe();
  await bus.close();
  assert.equal(bus.health().ok, false);
  assert.equal(bus.health().status, "closed");
});
