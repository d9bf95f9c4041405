// Every relative link of README.md and docs/*.md points to a file that
// exists, and every #anchor to a heading of its target: the guides moved out
// of the README (issue 17), and a link that breaks silently is a stumble.
import assert from "node:assert/strict";

const ROOT = new URL("../", import.meta.url);

/** A link found in a Markdown file. */
interface Link {
  /** The Markdown file, relative to the root. */
  file: string;
  /** Its 1-based line. */
  line: number;
  /** The link's target as written. */
  target: string;
}

/** The Markdown files checked: README.md and docs/*.md. */
async function markdownFiles(): Promise<string[]> {
  const files = ["README.md"];
  for await (const e of Deno.readDir(new URL("docs/", ROOT))) {
    if (e.isFile && e.name.endsWith(".md")) files.push(`docs/${e.name}`);
  }
  return files.sort();
}

/** Lines outside fenced code blocks, with their numbers. */
function proseLines(text: string): [number, string][] {
  let fence = false;
  const lines: [number, string][] = [];
  text.split("\n").forEach((line, i) => {
    if (line.startsWith("```")) fence = !fence;
    else if (!fence) lines.push([i + 1, line]);
  });
  return lines;
}

/** The inline links `[text](target)` of a Markdown text. */
export function linksOf(file: string, text: string): Link[] {
  const links: Link[] = [];
  // A link's text may wrap; its `](target)` stays on one line.
  for (const [line, content] of proseLines(text)) {
    for (const m of content.matchAll(/\]\(([^)\s]+)\)/g)) {
      links.push({ file, line, target: m[1] });
    }
  }
  return links;
}

/** GitHub's anchor of a heading: lower case, punctuation dropped. */
export function slug(heading: string): string {
  return heading.trim().toLowerCase().replace(/[^\p{L}\p{N}_\- ]/gu, "")
    .replaceAll(" ", "-");
}

/** The anchors of a Markdown text's headings (outside code blocks). */
export function anchorsOf(text: string): Set<string> {
  const anchors = new Set<string>();
  for (const [, line] of proseLines(text)) {
    const m = /^#{1,6} (.*)$/.exec(line);
    if (m) anchors.add(slug(m[1]));
  }
  return anchors;
}

/** What is wrong with each broken link (empty when all resolve). */
export async function brokenLinks(
  files: Record<string, string>,
): Promise<string[]> {
  const problems: string[] = [];
  for (const [file, text] of Object.entries(files)) {
    for (const link of linksOf(file, text)) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(link.target)) continue; // https:, mailto:
      const [path, anchor] = link.target.split("#", 2);
      const where = `${link.file}:${link.line}: ${link.target}`;
      const target = path === ""
        ? new URL(file, ROOT)
        : new URL(path, new URL(file, ROOT));
      let stat: Deno.FileInfo;
      try {
        stat = await Deno.stat(target);
      } catch {
        problems.push(`${where}: no such file`);
        continue;
      }
      if (anchor === undefined) continue;
      if (!stat.isFile || !target.pathname.endsWith(".md")) {
        problems.push(`${where}: an anchor into a file that is not Markdown`);
        continue;
      }
      const key = target.pathname.slice(ROOT.pathname.length);
      const text = files[key] ?? await Deno.readTextFile(target);
      if (!anchorsOf(text).has(anchor)) {
        problems.push(`${where}: no heading with anchor #${anchor}`);
      }
    }
  }
  return problems;
}

async function readAll(): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const file of await markdownFiles()) {
    files[file] = await Deno.readTextFile(new URL(file, ROOT));
  }
  return files;
}

Deno.test("README.md and docs/*.md: every relative link and anchor resolves", async () => {
  const files = await readAll();
  const links = Object.entries(files).flatMap(([f, t]) => linksOf(f, t));
  assert.ok(links.length > 40, `only ${links.length} links found`);
  assert.deepEqual(await brokenLinks(files), []);
});

Deno.test("brokenLinks() reports a missing file, a missing anchor and a wrong relative path", async () => {
  const files = await readAll();
  const edited = {
    ...files,
    "README.md": files["README.md"]
      .replace("](docs/nats.md)", "](docs/natz.md)")
      .replace("](docs/contract.md)", "](docs/contract.md#no-such-heading)"),
    "docs/cli.md": files["docs/cli.md"] + "\n[x](docs/errors.md)\n",
  };
  const problems = await brokenLinks(edited);
  assert.equal(problems.length, 3, problems.join("\n"));
  assert.match(problems.join("\n"), /docs\/natz\.md: no such file/);
  assert.match(problems.join("\n"), /no heading with anchor #no-such-heading/);
  assert.match(
    problems.join("\n"),
    /docs\/cli\.md:\d+: docs\/errors\.md: no such file/,
  );
});

Deno.test("slug() follows GitHub's anchors", () => {
  assert.equal(
    slug("Resume: `position()` and `from: { after }`"),
    "resume-position-and-from--after-",
  );
  assert.equal(slug("The contract: `EventBus`"), "the-contract-eventbus");
  assert.equal(
    slug("Faults: what is proven, and the limits (`deno task test:faults`)"),
    "faults-what-is-proven-and-the-limits-deno-task-testfaults",
  );
});
