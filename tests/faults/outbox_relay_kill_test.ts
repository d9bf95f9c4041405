// Outbox fault scenario 2: a relay PROCESS (fixtures/outbox_proc.ts, mode
// "relay", slowed to 20 ms a publish) is SIGKILLed in the middle of its
// first batch of 100, holding its lease (4 s): some events of the batch are
// in the stream, none is marked. A second relay process takes over once the
// lease has ended, republishes the batch from its oldest unmarked row (the
// stream's duplicate window absorbs what was stored already) and the rest.
import assert from "node:assert/strict";
import { outboxTests } from "./_outbox_scenario.ts";
import { readStream } from "./_outbox_accounting.ts";

const N = 200;
const LEASE = 4000;

outboxTests("relay killed mid-batch", async (s) => {
  await s.consume();
  for (let n = 0; n < N; n += 4) await s.commit([n, n + 1, n + 2, n + 3]);
  const dying = s.spawn({
    mode: "relay",
    batch: 100,
    lease: LEASE,
    interval: 50,
    delay: 20,
    ledger: true,
  });
  await s.until(async () => await s.streamMessages() >= 10, "10 published");
  assert.equal((await dying.kill()).signal, "SIGKILL");

  const stored = new Set((await readStream(s.place)).map((m) => m.id));
  const rows = await s.db.all<
    { id: string; leased: number; marked: number; until: number }
  >(
    `SELECT id, lease_until AS until,
      CASE WHEN lease_owner IS NULL THEN 0 ELSE 1 END AS leased,
      CASE WHEN published_at IS NULL THEN 0 ELSE 1 END AS marked
      FROM mcb_outbox`,
  );
  const batch = rows.filter((r) => Number(r.leased) === 1);
  assert.equal(batch.length, 100, "the dead relay's batch is leased");
  assert.equal(rows.filter((r) => Number(r.marked) === 1).length, 0);
  const inStream = batch.filter((r) => stored.has(r.id)).length;
  assert.ok(inStream >= 1 && inStream < 100, `${inStream} of the batch stored`);
  assert.equal(stored.size, inStream, "only the batch's events are stored");
  assert.ok(dying.published().length < 100, "killed mid-batch");

  const heir = s.spawn({
    mode: "relay",
    batch: 50,
    lease: LEASE,
    interval: 50,
    ledger: true,
  });
  await heir.waitFor("ready");
  await s.until(async () => await s.unpublished() === 0, "the heir", 30_000);
  await heir.finish();
  const leaseEnd = Math.max(...batch.map((r) => Number(r.until)));
  const first = heir.times[
    heir.lines.findIndex((l) => l.startsWith("publish"))
  ];
  assert.ok(
    first >= leaseEnd,
    `the heir published ${leaseEnd - first} ms before the lease ended`,
  );
  const again = heir.published().filter((id) => stored.has(id)).length;
  assert.equal(again, inStream, "the heir republished what was stored");
});
