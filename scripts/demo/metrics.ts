// Metrics: counts every event by type, and reads "metrics.snapshot" events
// as an async iterator (`bus.events`), which ends when the bus closes.
import { type Bus, type DemoModule, short } from "./shared.ts";

export function startMetrics(bus: Bus): DemoModule {
  const counts = new Map<string, number>();
  let snapshots = 0;
  bus.subscribe(">", (event) => {
    counts.set(event.type, (counts.get(event.type) ?? 0) + 1);
  });

  const done = (async () => {
    for await (const snapshot of bus.events("metrics.snapshot")) {
      snapshots++;
      const seen = [...counts.values()].reduce((a, b) => a + b, 0);
      console.log(
        `[metrics]  snapshot from ${snapshot.source}: ${short(snapshot.data)}` +
          ` (${seen} events counted so far)`,
      );
    }
  })();

  return {
    done,
    report: () => {
      const total = [...counts.values()].reduce((a, b) => a + b, 0);
      const progress = counts.get("indexing.progress") ?? 0;
      return {
        module: "metrics",
        received: total,
        detail: `${counts.size} types (indexing.progress x${progress}), ` +
          `${snapshots} snapshot via events()`,
      };
    },
  };
}
