// Outbox fault scenario 3: nats-server is stopped for 3 s while the
// application PROCESS (fixtures/outbox_proc.ts, mode "app") keeps
// committing: its relay cannot publish, the events wait in the outbox (the
// database shows orders committed while the server was down and outbox rows
// not yet published), then flow once the server is back (same store).
import assert from "node:assert/strict";
import { outboxTests, sleep } from "./_outbox_scenario.ts";

const DOWN_MS = 3000;

outboxTests("nats-server down", async (s) => {
  await s.consume();
  const app = s.spawn({
    mode: "app",
    total: 250,
    pace: 40,
    batch: 20,
    lease: 2000,
    interval: 50,
  });
  await app.waitFor("ready");
  const orders = (where = "") =>
    s.count(`SELECT count(*) AS n FROM orders ${where}`);
  await s.until(async () => await orders() >= 40, "40 orders");
  await s.nats.stop();
  const downAt = Date.now(); // the server has exited
  await sleep(DOWN_MS);
  const whileDown = await orders(`WHERE at >= ${downAt}`);
  const waiting = await s.unpublished();
  await s.nats.start();
  const upAt = Date.now();
  assert.ok(whileDown > 0, "orders committed while the server was down");
  assert.ok(waiting >= whileDown, `${waiting} events waiting in the outbox`);
  await app.waitFor("done", 60_000);
  await s.until(async () => await s.unpublished() === 0, "published", 30_000);
  await app.finish();
  assert.ok(await orders(`WHERE at >= ${upAt}`) > 0, "committed after");
});
