// Outbox fault scenario 5: two relay PROCESSES (fixtures/outbox_proc.ts,
// mode "relay", small batches) on one database publish concurrently while
// this process commits. Their own ledger (a "publish <id>" line as each
// publish starts) shows each event published once by one of them, and both
// at work; the stream holds each event once, in commit order per subject
// (the accounting checks the order).
import assert from "node:assert/strict";
import { outboxTests, sleep } from "./_outbox_scenario.ts";

const N = 240;

outboxTests("two relays racing", async (s) => {
  await s.consume();
  const relays = [0, 1].map(() =>
    s.spawn({
      mode: "relay",
      batch: 5,
      lease: 5000,
      interval: 20,
      ledger: true,
    })
  );
  await Promise.all(relays.map((r) => r.waitFor("ready")));
  for (let n = 0; n < N; n += 3) {
    await s.commit([n, n + 1, n + 2]);
    await sleep(8);
  }
  await s.until(async () => await s.unpublished() === 0, "published");
  await Promise.all(relays.map((r) => r.finish()));
  const [a, b] = relays.map((r) => r.published());
  const counts = new Map<string, number>();
  for (const id of [...a, ...b]) counts.set(id, (counts.get(id) ?? 0) + 1);
  assert.deepEqual(
    [...counts].filter(([, c]) => c !== 1),
    [],
    "published more than once",
  );
  assert.equal(counts.size, N, "every event published");
  assert.ok(a.length > 0 && b.length > 0, `publishes ${a.length}/${b.length}`);
});
