// Patterns that select no type of a known catalog are compile errors. The
// `typeCases` functions are never run: `deno check` (the `check` task and
// `deno test`) checks them, and each `@ts-expect-error` fails the check if
// its line compiles. The Deno.test below runs `deno check` on a file with a
// bad pattern and reads the message a user would see.
import assert from "node:assert/strict";
import { z } from "zod";
import {
  type CloudEvent,
  createLocalEventBus,
  defineEvents,
  type EventBus,
  type KnownPattern,
  type mcbEvents,
} from "../mod.ts";

const catalog = defineEvents({
  "context.updated": z.object({ path: z.string() }),
  "context.deleted": z.object({ path: z.string(), at: z.number() }),
  "indexing.progress": z.object({ done: z.number() }),
  "a.b.c": z.object({ deep: z.boolean() }),
});

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends
  (<T>() => T extends B ? 1 : 2) ? true : false;
function expectType<T>(_value: T): void {}

// Never called: only type-checked.
export function typeCases(bus: EventBus<typeof catalog>): void {
  // Valid patterns compile and the handler's event type is inferred.
  bus.subscribe("context.updated", (e) => {
    expectType<true>(
      null as unknown as Equal<typeof e.type, "context.updated">,
    );
    expectType<string>(e.data.path);
  });
  bus.subscribe("context.*", (e) => {
    expectType<true>(
      null as unknown as Equal<
        typeof e.type,
        "context.updated" | "context.deleted"
      >,
    );
  });
  bus.subscribe("*.progress", (e) => expectType<number>(e.data.done));
  bus.subscribe("a.>", (e) => expectType<boolean>(e.data.deep));
  bus.subscribe("a.*.c", (e) => expectType<boolean>(e.data.deep));
  bus.subscribe(">", (e) => expectType<CloudEvent>(e));
  bus.events("indexing.>");
  bus.once("context.deleted").then((e) => expectType<number>(e.data.at));
  const each = ["context.*", "indexing.progress"] as const;
  for (const p of each) bus.subscribe(p, (e) => expectType<CloudEvent>(e));

  // A pattern only known as a string is checked at run time.
  const fromUser: string = "index.>";
  bus.subscribe(fromUser, (e) => expectType<CloudEvent>(e));
  bus.events(fromUser);
  bus.once(fromUser);

  // Patterns that select nothing do not compile.
  // @ts-expect-error no index.* type (indexing.progress is another token)
  bus.subscribe("index.>", () => {});
  // @ts-expect-error events() too
  bus.events("index.>");
  // @ts-expect-error once() too
  bus.once("index.>");
  // @ts-expect-error an unknown exact type
  bus.subscribe("context.created", () => {});
  // @ts-expect-error "*" is exactly one token: a.b.c has three
  bus.subscribe("a.*", () => {});
  // @ts-expect-error ">" needs at least one more token
  bus.subscribe("a.b.c.>", () => {});
  // @ts-expect-error too few tokens
  bus.subscribe("context", () => {});
  // @ts-expect-error a malformed pattern (">" not last) selects nothing
  bus.subscribe("a.>.c", () => {});
  // @ts-expect-error one bad member of a union of patterns
  bus.subscribe(Math.random() ? "context.*" : "nope.*", () => {});
}

// The MCB catalog: a real one with neighbouring names (index.*, indexing.*).
export function mcbCases(bus: EventBus<typeof mcbEvents>): void {
  bus.subscribe("index.>", (e) => {
    expectType<true>(null as unknown as Equal<typeof e.type, "index.rebuild">);
  });
  bus.subscribe("indexing.*", (e) => expectType<CloudEvent>(e));
  bus.subscribe("*.completed", (e) => expectType<CloudEvent>(e));
  // @ts-expect-error "indexing.>" was meant
  bus.subscribe("indexng.>", () => {});
  // @ts-expect-error there is no search.* other than search.executed
  bus.once("search.failed");
}

// Without a known catalog every pattern compiles (run-time check).
export function unknownCatalog(bus: EventBus): void {
  bus.subscribe("anything.>", () => {});
  bus.events("x.*");
  bus.once("y");
}

// The helper type on its own.
expectType<true>(
  null as unknown as Equal<KnownPattern<"a.x" | "b.x", "a.*">, "a.*">,
);
expectType<true>(
  null as unknown as Equal<
    KnownPattern<"a.x" | "b.x", "c.>">,
    "Pattern `c.>` matches no event type of the catalog"
  >,
);
expectType<true>(
  null as unknown as Equal<KnownPattern<"a.x", string>, string>,
);

Deno.test("a pattern selecting no type is reported at run time as well", () => {
  const bus = createLocalEventBus(catalog);
  const pattern: string = "index.>";
  assert.throws(() => bus.subscribe(pattern, () => {}), {
    name: "EventTypeError",
  });
  return bus.close();
});

Deno.test({
  name:
    "deno check rejects a pattern selecting no type, naming the pattern and why",
  permissions: { read: true, write: true, run: true, env: true, net: false },
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "pattern_types_" });
    try {
      const core = (path: string) =>
        JSON.stringify(new URL(`../src/core/${path}`, import.meta.url).href);
      const file = `${dir}/bad_pattern.ts`;
      await Deno.writeTextFile(
        file,
        [
          `import type { EventBus } from ${core("bus.ts")};`,
          `import type { EventCatalog, EventSchema } from ${
            core("catalog_types.ts")
          };`,
          `type C = EventCatalog<{`,
          `  "indexing.progress": EventSchema<{ done: number }>;`,
          `  "context.updated": EventSchema<{ path: string }>;`,
          `}>;`,
          `declare const bus: EventBus<C>;`,
          `bus.subscribe("context.*", (e) => console.log(e.data.path));`,
          `bus.subscribe("index.>", () => {});`,
          "",
        ].join("\n"),
      );
      const config = new URL("../deno.json", import.meta.url).pathname;
      const { code, stderr } = await new Deno.Command(Deno.execPath(), {
        args: ["check", "--quiet", "--config", config, file],
        stdout: "null",
        stderr: "piped",
        env: { NO_COLOR: "1" },
      }).output();
      const text = new TextDecoder().decode(stderr);
      assert.notEqual(code, 0, "the check must fail");
      assert.match(
        text,
        /Argument of type '"index\.>"' is not assignable to parameter of type '"Pattern `index\.>` matches no event type of the catalog"'/,
        text,
      );
      assert.match(text, /bad_pattern\.ts:9:/, "it points at the bad line");
      assert.equal(text.match(/TS\d+/g)?.length, 1, "only the bad line fails");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
