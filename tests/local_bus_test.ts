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

Deno.test('subscribe() on the local bus rejects from "all" without history, a sequence or time, and a malformed group', async () => {
  const bus = createLocalEventBus(catalog);
  assert.throws(() => bus.subscribe(">", () => {}, { from: "all" }), {
    name: "TypeError",
    message: /only when created with the history option/,
  });
  await using withHistory = createLocalEventBus(catalog, { history: 4 });
  for (const from of [{ sequence: 1 }, { time: new Date() }]) {
    assert.throws(() => withHistory.subscribe(">", () => {}, { from }), {
      name: "TypeError",
      message: /accepts "new", and "all" or \{ after \}/,
    });
  }
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

Deno.test("history: validated; 0 (the default) gives no positions; a position is undefined once its event left the ring", async () => {
  for (const history of [-1, 1.5, Number.NaN]) {
    assert.throws(() => createLocalEventBus(catalog, { history }), {
      name: "RangeError",
      message: /history must be an integer >= 0/,
    });
  }
  await using plain = createLocalEventBus(catalog);
  assert.equal(
    plain.position(await plain.publish("index.progress", { n: 0 })),
    undefined,
  );
  await using bus = createLocalEventBus(catalog, { history: 3 });
  const events = [];
  for (let n = 0; n < 5; n++) {
    events.push(await bus.publish("index.progress", { n }));
  }
  const positions = events.map((e) => bus.position(e));
  assert.deepEqual(positions.slice(0, 2), [undefined, undefined]);
  assert.match(positions[2]!, /^l:[a-z0-9]{12}:3$/);
  assert.equal(positions[4], positions[2]!.replace(/3$/, "5"));
  assert.equal(bus.position({ ...events[4] }), undefined, "a copy has none");
  assert.deepEqual(bus.health().details, { history: 3, position: 5 });
});

Deno.test('history: from "all" replays the ring, then live; the replay runs after subscribe() returns, and `ready` waits for it', async () => {
  await using bus = createLocalEventBus(catalog, { history: 3 });
  for (let n = 0; n < 5; n++) await bus.publish("index.progress", { n });
  const got: number[] = [];
  const sub = bus.subscribe("index.progress", (e) => {
    got.push(e.data.n);
  }, { from: "all" });
  assert.deepEqual(got, [], "nothing inside subscribe()");
  await bus.publish("index.progress", { n: 5 }); // after subscribe(): kept
  await sub.ready;
  assert.deepEqual(got, [3, 4, 5]);
  await bus.publish("index.progress", { n: 6 });
  assert.deepEqual(got, [3, 4, 5, 6]);
});

Deno.test("history: a handler publishing during the replay sees its events after the replay, in order, once", async () => {
  await using bus = createLocalEventBus(catalog, { history: 10 });
  const first = await bus.publish("index.progress", { n: 0 });
  await bus.publish("index.progress", { n: 1 });
  await bus.publish("index.progress", { n: 2 });
  const got: number[] = [];
  const other: number[] = [];
  bus.subscribe("index.progress", (e) => {
    other.push(e.data.n);
  });
  await bus.subscribe("index.progress", (e) => {
    got.push(e.data.n);
    if (e.data.n === 1) void bus.publish("index.progress", { n: 10 });
  }, { from: { after: bus.position(first)! } }).ready;
  await bus.publish("index.progress", { n: 3 });
  assert.deepEqual(got, [1, 2, 10, 3]);
  assert.deepEqual(other, [10, 3]);
});

Deno.test("history: createEventBus takes it from the config (local only); a bad value is a ConfigError", async () => {
  const { createEventBus } = await import("../src/config/mod.ts");
  await using bus = await createEventBus(catalog, {
    transport: "local",
    history: 2,
  });
  const e = await bus.publish("index.progress", { n: 1 });
  assert.match(bus.position(e)!, /^l:/);
  await assert.rejects(
    () => createEventBus(catalog, { transport: "local", history: -2 }),
    { name: "ConfigError", message: /history: expected an integer >= 0/ },
  );
});
