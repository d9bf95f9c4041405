// Outbox fault scenario 1: the application PROCESS (fixtures/outbox_proc.ts,
// mode "app": commits orders + events, its relay in the same process,
// publishing slower than it commits so that a backlog of committed,
// unpublished events exists) is SIGKILLed at random moments, 8 times,
// restarted after each kill; then a relay in this process drains the
// outbox. Every committed event is in the stream once and has one effect.
import assert from "node:assert/strict";
import { outboxTests, sleep } from "./_outbox_scenario.ts";

const KILLS = 8;

outboxTests("app killed between commit and publish", async (s) => {
  await s.consume();
  // Per kill: events the killed process committed and had not published.
  const fresh: number[] = [];
  for (let i = 0; i < KILLS; i++) {
    const from = await s.count("SELECT count(*) AS n FROM orders");
    const app = s.spawn({
      mode: "app",
      total: 500,
      pace: 15,
      batch: 10,
      lease: 1000,
      interval: 50,
      delay: 8,
    });
    // Mostly once it runs; every 4th kill during its start-up.
    if (i % 4 !== 3) await app.waitFor("ready");
    await sleep(150 + Math.random() * (i % 4 !== 3 ? 900 : 400));
    const status = await app.kill();
    assert.equal(status.signal, "SIGKILL");
    fresh.push(
      await s.count(`SELECT count(*) AS n FROM orders JOIN mcb_outbox o
        ON o.id = orders.id WHERE n >= ${from} AND published_at IS NULL`),
    );
  }
  const committed = await s.count("SELECT count(*) AS n FROM orders");
  assert.ok(committed >= 40, `only ${committed} orders committed`);
  assert.ok(
    fresh.filter((b) => b > 0).length >= 3, // of 6 kills once running
    `its own committed, unpublished events at each kill: ${fresh}`,
  );
  await s.relay({ batch: 50, lease: 1000 }); // the final relay drains
});
