// Cache: an in-memory Map of "<namespace>:<path>" entries, cleared when
// files change under a root or a namespace is invalidated.
import type { Bus, DemoModule } from "./shared.ts";

export function startCache(bus: Bus): DemoModule {
  const cache = new Map<string, string>([
    ["search:/repo/src/main.ts", "3 hits"],
    ["search:/repo/docs/intro.md", "1 hit"],
    ["embeddings:/repo/src/main.ts", "vector[384]"],
    ["embeddings:/repo/src/util.ts", "vector[384]"],
    ["embeddings:/repo/docs/intro.md", "vector[384]"],
  ]);
  let received = 0;
  let cleared = 0;

  const clear = (why: string, drop: (key: string) => boolean) => {
    const keys = [...cache.keys()].filter(drop);
    for (const key of keys) cache.delete(key);
    cleared += keys.length;
    console.log(`[cache]    ${why}: cleared ${keys.join(", ") || "nothing"}`);
  };

  bus.subscribe("files.changes_detected", (event) => {
    received++;
    const root = event.data.root_path;
    clear(`files changed under ${root}`, (key) => key.includes(`:${root}/`));
  });
  bus.subscribe("cache.invalidate", (event) => {
    received++;
    const ns = event.data.namespace;
    clear(
      `invalidate ${ns ?? "(all)"}`,
      (key) => ns === undefined || key.startsWith(`${ns}:`),
    );
  });

  return {
    report: () => ({
      module: "cache",
      received,
      detail: `cleared ${cleared} entries, ${cache.size} left`,
    }),
  };
}
