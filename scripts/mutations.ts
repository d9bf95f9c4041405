/**
 * `deno task test:mutations`: proves that the fault suite catches the bugs
 * it exists for. Each mutation is applied to a copy of the repository (the
 * working tree's tracked and new files, `src/` changed by one textual
 * edit), the scenario that must catch it runs there, and the run must FAIL
 * with the expected complaint. A mutation that survives (its scenario
 * passes) fails this script.
 *
 * - `replay-after-reconnect`: a fan-out subscription reopens 5 events
 *   before where it stopped after each reconnect, with the sequence check
 *   removed, so it repeats events. README promises fan-out never repeats.
 * - `drop-one-event`: a fan-out subscription skips one stored event. README
 *   promises no acknowledged event is lost.
 * - `ack-staged-duplicate`: a publish takes nats-server 2.10's "duplicate,
 *   sequence 0" answer (a message id staged by a leader, not committed) as
 *   its acknowledgement. An isolated leader gives that answer to a retry,
 *   and the event is lost once the majority elects another leader: the
 *   partition scenario on 2.10 (fixed seed) must catch it.
 *
 * Usage: deno task test:mutations [--only NAME]
 * @module
 */

import { ensureNatsServer210 } from "./runtimes/nats_server.ts";

/** One edit to `src/` and the scenario that must fail because of it. */
export interface Mutation {
  name: string;
  /** Repository-relative file to edit. */
  file: string;
  /** Each `[from, to]`: `from` must occur exactly once in the file. */
  edits: [from: string, to: string][];
  /** The test file that must fail. */
  scenario: string;
  /** Text the failing run must print (what the assertion says). */
  expect: RegExp;
  /** Environment of the scenario's run, resolved just before it. */
  env?: () => Promise<Record<string, string>>;
}

/** The pinned nats-server 2.10 (installed on first use), as tests read it. */
async function natsServer210(): Promise<Record<string, string>> {
  return {
    MCB_NATS_SERVER: await ensureNatsServer210(),
    MCB_NATS_SYNC: "always",
  };
}
export const MUTATIONS: readonly Mutation[] = [
  {
    name: "replay-after-reconnect",
    file: "src/nats/ordered.ts",
    edits: [
      ["        if (m.seq <= lastSeq) continue;\n", ""],
      [
        "await open({ sequence: lastSeq + 1 }, false);",
        "await open({ sequence: Math.max(1, lastSeq - 4) }, false);",
      ],
    ],
    scenario: "tests/faults/server_restart_test.ts",
    expect: /repeated deliveries; fan-out never repeats an event/,
  },
  {
    name: "drop-one-event",
    file: "src/nats/ordered.ts",
    edits: [[
      "        if (m.seq <= lastSeq) continue;\n",
      "        if (m.seq <= lastSeq || m.seq === 100) continue;\n",
    ]],
    scenario: "tests/faults/server_restart_test.ts",
    expect: /acknowledged events were never delivered/,
  },
  {
    name: "ack-staged-duplicate",
    file: "src/nats/publisher.ts",
    edits: [["if (ack.seq > 0) return ack.seq;", "return ack.seq;"]],
    scenario: "tests/faults/partition_test.ts",
    // A seed whose runs cut the leader for 2-5.5 s (seen red without the fix).
    env: async () => ({
      ...await natsServer210(),
      PARTITION_SEED: "2120434965",
    }),
    expect: /acks on n\d's side while cut off|never delivered|missing [1-9]/,
  },
];

const ROOT = new URL("../", import.meta.url).pathname;

async function output(
  cmd: string,
  args: string[],
  cwd: string,
  env: Record<string, string> = {},
) {
  const out = await new Deno.Command(cmd, {
    args,
    cwd,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1", ...env },
  }).output();
  const dec = new TextDecoder();
  return {
    code: out.code,
    text: dec.decode(out.stdout) + dec.decode(out.stderr),
  };
}

/** Copies the working tree's tracked and untracked-but-not-ignored files. */
async function copyRepository(to: string): Promise<void> {
  const { text, code } = await output("git", [
    "ls-files",
    "--cached",
    "--others",
    "--exclude-standard",
    "-z",
  ], ROOT);
  if (code !== 0) throw new Error(`git ls-files failed: ${text}`);
  for (const file of text.split("\0").filter(Boolean)) {
    const target = `${to}/${file}`;
    await Deno.mkdir(target.slice(0, target.lastIndexOf("/")), {
      recursive: true,
    });
    try {
      await Deno.copyFile(`${ROOT}${file}`, target);
    } catch (error) {
      // A file deleted in the working tree but still tracked.
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }
}

/** Applies `m` to the copy at `dir`; throws if an edit does not apply. */
export async function applyMutation(dir: string, m: Mutation): Promise<void> {
  const path = `${dir}/${m.file}`;
  let text = await Deno.readTextFile(path);
  for (const [from, to] of m.edits) {
    const count = text.split(from).length - 1;
    if (count !== 1) {
      throw new Error(
        `${m.name}: ${
          JSON.stringify(from)
        } occurs ${count} times in ${m.file} (expected once; update the mutation)`,
      );
    }
    text = text.replace(from, to);
  }
  await Deno.writeTextFile(path, text);
}

/** Runs one mutation; resolves with a one-line verdict, throws if it survived. */
async function runMutation(m: Mutation): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: `mcb-mutation-${m.name}-` });
  try {
    await copyRepository(dir);
    await applyMutation(dir, m);
    const env = await m.env?.() ?? {};
    const started = Date.now();
    const { code, text } = await output(
      Deno.execPath(),
      [
        "test",
        "-A",
        m.scenario,
      ],
      dir,
      env,
    );
    const seconds = ((Date.now() - started) / 1000).toFixed(0);
    const said = text.split("\n").find((l) => m.expect.test(l))?.trim();
    if (code !== 0 && said !== undefined) {
      return `killed   ${m.name}: ${m.scenario} failed in ${seconds} s: ${
        said.slice(0, 200)
      }`;
    }
    const tail = text.split("\n").slice(-25).join("\n");
    throw new Error(
      code === 0
        ? `SURVIVED ${m.name}: ${m.scenario} passed with the mutation applied`
        : `${m.name}: ${m.scenario} failed, but not with ${m.expect}:\n${tail}`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

if (import.meta.main) {
  const only = Deno.args.indexOf("--only");
  const selected = only >= 0
    ? MUTATIONS.filter((m) => m.name === Deno.args[only + 1])
    : MUTATIONS;
  if (selected.length === 0) {
    console.error(`no mutation named ${Deno.args[only + 1]}`);
    Deno.exit(2);
  }
  let failed = false;
  for (const m of selected) {
    try {
      console.log(await runMutation(m));
    } catch (error) {
      failed = true;
      console.error((error as Error).message);
    }
  }
  Deno.exit(failed ? 1 : 0);
}
