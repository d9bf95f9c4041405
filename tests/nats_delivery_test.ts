// Delivery semantics of the nats transport on a real nats-server (loopback):
// replay with `from`, competing consumers with `group`, retries and dead
// letters, durable groups. Publishing and close: nats_delivery_publish_test.ts.
import assert from "node:assert/strict";
import { startNatsServer } from "./nats_server.ts";
import {
  managerOf,
  names,
  openBus,
  range,
  type Reported,
  sleep,
  waitUntil,
} from "./fixtures/nats_delivery.ts";

const nats = { sanitizeOps: false, sanitizeResources: false };

Deno.test({
  name:
    'subscribe() with from: "all" replays history then continues live; sequence and time start later',
  ...nats,
  fn: async () => {
    await using server = await startNatsServer();
    await using pub = await openBus(server, "replay");
    for (const n of range(0, 5)) await pub.publish("order.placed", { n });

    await using late = await openBus(server, "replay");
    const all: number[] = [];
    const sub = late.subscribe("order.*", (e) => {
      all.push(e.data.n);
    }, { from: "all" });
    await sub.ready;
    await waitUntil(() => all.length === 5, "the 5 stored events");
    for (const n of range(5, 8)) await pub.publish("order.shipped", { n });
    await waitUntil(() => all.length === 8, "3 live events after the replay");

    const fromSeq: number[] = [];
    const seqSub = late.subscribe("order.*", (e) => {
      fromSeq.push(e.data.n);
    }, { from: { sequence: 3 } });
    await seqSub.ready;
    await waitUntil(() => fromSeq.length === 6, "events from sequence 3");

    await sleep(50);
    const between = new Date();
    await sleep(50);
    for (const n of range(100, 103)) await pub.publish("order.placed", { n });
    const fromTime: number[] = [];
    const fromIso: number[] = [];
    const timeSub = late.subscribe("order.*", (e) => {
      fromTime.push(e.data.n);
    }, { from: { time: between } });
    const isoSub = late.subscribe("order.placed", (e) => {
      fromIso.push(e.data.n);
    }, { from: { time: between.toISOString() } });
    await Promise.all([timeSub.ready, isoSub.ready]);
    await waitUntil(
      () => fromTime.length === 3 && fromIso.length === 3,
      "the batch after the time",
    );
    await sleep(200); // nothing more may arrive

    assert.deepEqual(all, [...range(0, 8), 100, 101, 102]);
    assert.deepEqual(fromSeq, [...range(2, 8), 100, 101, 102]);
    assert.deepEqual(fromTime, [100, 101, 102]);
    assert.deepEqual(fromIso, [100, 101, 102]);
  },
});

Deno.test({
  name:
    "subscribe() with group shares events across two instances, each handled once",
  ...nats,
  fn: async () => {
    await using server = await startNatsServer();
    const tag = "share";
    await using m1 = await openBus(server, tag);
    await using m2 = await openBus(server, tag);
    await using pub = await openBus(server, tag);
    const handled = new Map<number, string[]>();
    const handler = (member: string) => async (e: { data: { n: number } }) => {
      await sleep(0);
      handled.set(e.data.n, [...handled.get(e.data.n) ?? [], member]);
    };
    const s1 = m1.subscribe("order.placed", handler("m1"), { group: "g" });
    const s2 = m2.subscribe("order.placed", handler("m2"), { group: "g" });
    await Promise.all([s1.ready, s2.ready]);

    const N = 200;
    for (let i = 0; i < N; i += 50) {
      await Promise.all(
        range(i, i + 50).map((n) => pub.publish("order.placed", { n })),
      );
    }
    await waitUntil(() => handled.size === N, "every event handled", 10_000);
    await sleep(300); // a duplicate would show up here

    assert.deepEqual([...handled.keys()].sort((a, b) => a - b), range(0, N));
    const duplicates = [...handled].filter(([, by]) => by.length !== 1);
    assert.deepEqual(duplicates, [], "no event handled twice");
    const by = (m: string) => [...handled.values()].filter((v) => v[0] === m);
    assert.ok(by("m1").length > 0, "m1 got some");
    assert.ok(by("m2").length > 0, "m2 got some");
    assert.equal(m1.stats().delivered + m2.stats().delivered, N);
    assert.equal(m1.stats().handlerErrors + m2.stats().handlerErrors, 0);
  },
});

Deno.test({
  name:
    "subscribe() group: a failing handler is retried (nak) and dead-lettered after maxDeliver",
  ...nats,
  fn: async () => {
    await using server = await startNatsServer();
    const tag = "dlq";
    const { stream, prefix } = names(tag);
    const reported: Reported = [];
    const tuning = { maxDeliver: 3, ackWait: 2000 };
    await using member = await openBus(server, tag, tuning, reported);
    await using pub = await openBus(server, tag, tuning);
    const attempts = new Map<number, number>();
    const X = 1; // always fails
    const Y = 3; // fails twice, then succeeds
    const sub = member.subscribe("order.placed", (e) => {
      const n = e.data.n;
      const attempt = (attempts.get(n) ?? 0) + 1;
      attempts.set(n, attempt);
      if (n === X) throw new Error(`boom for ${n}`);
      if (n === Y && attempt < 3) throw new Error(`flaky ${n} #${attempt}`);
    }, { group: "workers" });
    await sub.ready;
    for (const n of range(0, 5)) await pub.publish("order.placed", { n });

    const jsm = await managerOf(member);
    const dlqSubject = `${prefix}.dlq.order.placed`;
    const dlqCount = async () => {
      const info = await jsm.streams.info(stream, {
        subjects_filter: `${prefix}.dlq.>`,
      });
      return info.state.subjects ?? {};
    };
    await waitUntil(
      () => attempts.get(X) === 3 && attempts.get(Y) === 3,
      "the third attempts",
    );
    const deadline = Date.now() + 3000;
    while (Object.keys(await dlqCount()).length === 0) {
      assert.ok(Date.now() < deadline, "no dead letter after 3 s");
      await sleep(20);
    }
    await sleep(800); // a fourth attempt (or a second dead letter) shows here

    assert.deepEqual(
      Object.fromEntries([...attempts].sort(([a], [b]) => a - b)),
      { 0: 1, 1: 3, 2: 1, 3: 3, 4: 1 },
    );
    assert.deepEqual(await dlqCount(), { [dlqSubject]: 1 });
    const letter = await jsm.streams.getMessage(stream, {
      last_by_subj: dlqSubject,
    });
    assert.ok(letter);
    assert.match(letter.header.get("mcb-dlq-reason"), /boom for 1/);
    assert.equal(letter.header.get("mcb-dlq-attempts"), "3");
    assert.equal(letter.header.get("mcb-dlq-group"), "workers");
    assert.equal(
      letter.header.get("mcb-dlq-subject"),
      `${prefix}.order.placed`,
    );
    assert.deepEqual(letter.json(), { n: X });
    assert.equal(member.stats().handlerErrors, 5);
    assert.equal(
      reported.filter((r) => r.context.kind === "handler").length,
      5,
    );
    // A fan-out subscriber replaying everything never sees the dead letter.
    const replayed: number[] = [];
    const all = pub.subscribe(">", (e) => {
      replayed.push(e.data.n);
    }, { from: "all" });
    await all.ready;
    await waitUntil(() => replayed.length === 5, "the replay");
    await sleep(100);
    assert.deepEqual(replayed, range(0, 5));
  },
});

Deno.test({
  name:
    "subscribe() group: a durable group resumes where it left off after every member restarted",
  ...nats,
  fn: async () => {
    await using server = await startNatsServer();
    const tag = "resume";
    const tuning = { ackWait: 1000 };
    await using pub = await openBus(server, tag, tuning);
    const first: number[] = [];
    const m1 = await openBus(server, tag, tuning);
    const s1 = m1.subscribe("order.*", (e) => {
      first.push(e.data.n);
    }, { group: "resumable" });
    await s1.ready;
    for (const n of range(0, 3)) await pub.publish("order.placed", { n });
    await waitUntil(() => first.length === 3, "the first member's events");
    await m1.close();

    for (const n of range(3, 7)) await pub.publish("order.shipped", { n });
    await sleep(100);

    const second: number[] = [];
    await using m2 = await openBus(server, tag, tuning);
    const s2 = m2.subscribe("order.*", (e) => {
      second.push(e.data.n);
    }, { group: "resumable" });
    await s2.ready;
    await waitUntil(() => second.length === 4, "the events missed meanwhile");
    await sleep(1500); // longer than ackWait: no redelivery may follow

    assert.deepEqual(first, [0, 1, 2]);
    assert.deepEqual(second, [3, 4, 5, 6]);
  },
});
