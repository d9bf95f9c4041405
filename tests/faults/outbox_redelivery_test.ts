// Outbox fault scenario 4: a redelivery storm on a nats group. Two members
// (two buses) of group "fx" run the idempotent effect handler; after it
// committed (effect row + inbox record), the handler throws 1-3 times per
// event, as if the ack were lost, so the bus naks and nats redelivers it
// (to either member) 2-4 times in all. This test's own ledger of calls
// shows the redeliveries; the effect rows show each event's effect once.
import assert from "node:assert/strict";
import { type Ev, outboxTests } from "./_outbox_scenario.ts";

const N = 150;
/** How many deliveries of order `n` fail after the commit. */
const failures = (n: number) => 1 + (n % 3);

outboxTests("redelivery storm", async (s) => {
  const calls = new Map<string, number>();
  const wrap = (handle: (e: Ev) => Promise<void>) => async (e: Ev) => {
    const call = (calls.get(e.id) ?? 0) + 1;
    calls.set(e.id, call);
    await handle(e); // committed, or acknowledged as seen already
    if (call <= failures(e.data.n)) throw new Error("ack lost on purpose");
  };
  await s.consume(wrap);
  await s.consume(wrap, await s.openBus("member-2"));
  await s.relay({ batch: 20, lease: 2000 });
  for (let n = 0; n < N; n += 2) await s.commit([n, n + 1]);
  const expected = N +
    [...Array(N).keys()].reduce((a, n) => a + failures(n), 0);
  const total = () => [...calls.values()].reduce((a, c) => a + c, 0);
  await s.until(
    () => Promise.resolve(calls.size === N && total() >= expected),
    `${expected} deliveries`,
    60_000,
  );
  const redelivered = total() - calls.size;
  assert.ok(redelivered >= expected - N, `${redelivered} redeliveries`);
});
