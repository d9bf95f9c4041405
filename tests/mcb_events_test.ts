import assert from "node:assert/strict";
import { mcbEvents, ValidationError } from "../mod.ts";
import { mcbEvents as fromSubpath } from "../src/mcb/mod.ts";

/** Every type of src/mcb/events.ts with one valid and one invalid `data`. */
const samples: Record<string, { valid: unknown; invalid: unknown }> = {
  "index.rebuild": {
    valid: { collection: "docs" },
    invalid: { collection: "" },
  },
  "indexing.started": {
    valid: { collection: "docs", total_files: 3 },
    invalid: { collection: "docs", total_files: -1 },
  },
  "indexing.progress": {
    valid: { collection: "docs", processed: 1, total: 3, current_file: null },
    invalid: { collection: "docs", processed: 1.5, total: 3 },
  },
  "indexing.completed": {
    valid: { collection: "docs", chunks: 10, duration_ms: 42 },
    invalid: { collection: "docs", chunks: 10 },
  },
  "sync.completed": {
    valid: { path: "/repo", files_changed: 0 },
    invalid: { path: 1, files_changed: 0 },
  },
  "cache.invalidate": { valid: {}, invalid: { namespace: 5 } },
  "snapshot.created": {
    valid: { root_path: "/repo", file_count: 7 },
    invalid: { root_path: "" },
  },
  "files.changes_detected": {
    valid: { root_path: "/repo", added: 1, modified: 2, removed: 0 },
    invalid: { root_path: "/repo", added: 1, modified: 2 },
  },
  "service.state_changed": {
    valid: { name: "indexer", state: "running", previous_state: "starting" },
    invalid: { name: "indexer" },
  },
  "config.reloaded": {
    valid: { section: "cache" },
    invalid: { section: null },
  },
  "health.check_completed": {
    valid: { status: "ok", healthy_count: 3, unhealthy_count: 0 },
    invalid: { status: "ok", healthy_count: "3", unhealthy_count: 0 },
  },
  "metrics.snapshot": {
    valid: { cpu: 0.5, memory_mb: 128 },
    invalid: { cpu: "high" },
  },
  "search.executed": {
    valid: { query: "", collection: "docs", results: 0, duration_ms: 1 },
    invalid: { collection: "docs", results: 0, duration_ms: 1 },
  },
};

Deno.test("mcbEvents lists every type of src/mcb/events.ts", () => {
  assert.deepEqual([...mcbEvents.types].sort(), Object.keys(samples).sort());
  assert.equal(fromSubpath, mcbEvents);
  for (const type of mcbEvents.types) {
    assert.ok(mcbEvents.describe(type), `${type} has a description`);
  }
});

for (const [type, { valid, invalid }] of Object.entries(samples)) {
  Deno.test(`mcbEvents.parse() accepts valid and rejects invalid "${type}" data`, () => {
    assert.ok(mcbEvents.has(type));
    const t = type as typeof mcbEvents.types[number];
    assert.deepEqual(mcbEvents.parse(t, valid), valid);
    assert.throws(() => mcbEvents.parse(t, invalid), (error: unknown) => {
      assert.ok(error instanceof ValidationError, String(error));
      assert.equal(error.type, type);
      assert.ok(error.issues.length > 0);
      for (const issue of error.issues) {
        assert.match(issue.path, /^data(\.|\[|$)/);
        assert.notEqual(issue.message, "Invalid input");
      }
      return true;
    });
    assert.throws(() => mcbEvents.parse(t, "not an object"), ValidationError);
  });
}

Deno.test("mcbEvents.isEphemeral() is true for metrics.snapshot only", () => {
  assert.deepEqual(
    mcbEvents.types.filter((t) => mcbEvents.isEphemeral(t)),
    ["metrics.snapshot"],
  );
});

Deno.test("mcbEvents.typesMatching() selects the indexing family", () => {
  assert.deepEqual(mcbEvents.typesMatching("indexing.*"), [
    "indexing.started",
    "indexing.progress",
    "indexing.completed",
  ]);
  assert.deepEqual(mcbEvents.typesMatching("index.>"), ["index.rebuild"]);
});
