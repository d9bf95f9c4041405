// Conformance cases about versioned types (see `versioned`): the current
// version travels in `dataschema`, and an event published as an older
// version reaches subscribers upcast to the current one, on every transport.
import { assert, assertEquals, assertRejects } from "./_assert.ts";
import type { CaseFn } from "./case_context.ts";
import { collect } from "./_collect.ts";

export const versionCases: Record<string, CaseFn> = {
  "publish() of a versioned type carries the current version in dataschema":
    async (t) => {
      const bus = await t.bus();
      const got = await collect(bus, "doc.saved");
      const sent = await bus.publish("doc.saved", {
        path: "/a",
        bytes: 3,
        lang: "ts",
      });
      const v3 = bus.catalog.dataschema("doc.saved", 3);
      assertEquals(sent.dataschema, v3, "published dataschema");
      await t.waitFor(() => got.length === 1, "one delivery");
      assertEquals(got[0].dataschema, v3, "delivered dataschema");
      assertEquals(got[0].data, { path: "/a", bytes: 3, lang: "ts" }, "data");
      // An unversioned type carries none.
      const plain = await bus.publish("cache.invalidate", {});
      assertEquals(plain.dataschema, undefined, "unversioned dataschema");
    },

  "publish() as an older version reaches subscribers upcast to the current one":
    async (t) => {
      const bus = await t.bus();
      const got = await collect(bus, "doc.*");
      const catalog = bus.catalog;
      // Data of an older version is typed as the current one's: a cast.
      await bus.publish("doc.saved", { path: "/v1" } as never, {
        dataschema: catalog.dataschema("doc.saved", 1),
      });
      await bus.publish("doc.saved", { path: "/v2", bytes: 7 } as never, {
        dataschema: catalog.dataschema("doc.saved", 2),
      });
      await bus.publish("doc.saved", { path: "/v3", bytes: 1, lang: "go" });
      await t.waitFor(() => got.length === 3, "three deliveries");
      assertEquals(got.map((e) => e.data), [
        { path: "/v1", bytes: 0, lang: "unknown" },
        { path: "/v2", bytes: 7, lang: "unknown" },
        { path: "/v3", bytes: 1, lang: "go" },
      ], "every event in the current shape, in order");
      for (const e of got) {
        assertEquals(
          e.dataschema,
          catalog.dataschema("doc.saved", 3),
          `dataschema of ${e.id} after upcasting`,
        );
      }
      assertEquals(t.errors.length, 0, "no error reported");
    },

  "publish() checks data against the version its dataschema names": async (
    t,
  ) => {
    const bus = await t.bus();
    const got = await collect(bus, "doc.saved");
    const catalog = bus.catalog;
    // Valid for version 3, not for version 1 (no path).
    const error = await assertRejects(
      () =>
        bus.publish("doc.saved", { bytes: 1 } as never, {
          dataschema: catalog.dataschema("doc.saved", 1),
        }),
      "ValidationError",
      "version 1 without path",
    );
    assert(error.message.includes("data.path"), `names data.path: ${error}`);
    // A version this catalog does not know.
    const newer = await assertRejects(
      () =>
        bus.publish("doc.saved", { path: "/x", bytes: 1, lang: "ts" }, {
          dataschema: catalog.dataschema("doc.saved", 9),
        }),
      "ValidationError",
      "version 9",
    );
    assert(newer.message.includes("dataschema"), `names dataschema: ${newer}`);
    await t.quiet();
    assertEquals(got.length, 0, "nothing delivered");
  },
};
