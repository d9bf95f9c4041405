// The indexer: the only publisher. It knows the bus and the catalog, and
// nothing about who listens.
import type { Bus } from "./shared.ts";

export async function runIndexer(bus: Bus): Promise<void> {
  const collection = "docs";
  const total = 120;
  await bus.publish("service.state_changed", {
    name: "indexer",
    state: "running",
    previous_state: "starting",
  });
  await bus.publish("indexing.started", { collection, total_files: total });
  for (const processed of [40, 80, 120]) {
    await bus.publish("indexing.progress", {
      collection,
      processed,
      total,
      current_file: `/repo/src/file_${processed}.ts`,
    }, { subject: collection });
  }
  await bus.publish("indexing.completed", {
    collection,
    chunks: 1834,
    duration_ms: 2150,
  });
  await bus.publish("files.changes_detected", {
    root_path: "/repo/src",
    added: 2,
    modified: 3,
    removed: 1,
  });
  await bus.publish("cache.invalidate", { namespace: "search" });
  await bus.publish("health.check_completed", {
    status: "healthy",
    healthy_count: 4,
    unhealthy_count: 0,
  });
  await bus.publish("metrics.snapshot", {
    indexed_files: total,
    chunks: 1834,
    queue_depth: 0,
  });
  await bus.publish("search.executed", {
    query: "event bus",
    collection,
    results: 7,
    duration_ms: 12,
  });
}
