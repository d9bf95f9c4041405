// Markdown in the shape `deno fmt` gives it (prose wrapped at 80 columns,
// table columns padded), so generated files pass `deno fmt --check`.

const WIDTH = 80;

/** Text for a table cell: one line, `|` escaped. */
export function cell(text: string): string {
  return text.replace(/\s*\n\s*/g, " ").replaceAll("|", "\\|");
}

/** A code span that holds any text, inside a table cell too. */
export function code(text: string): string {
  const runs = (text.match(/`+/g) ?? []).map((run) => run.length);
  const ticks = "`".repeat(Math.max(0, ...runs) + 1);
  const pad = text.startsWith("`") || text.endsWith("`") ? " " : "";
  return `${ticks}${pad}${cell(text)}${pad}${ticks}`;
}

/** Display width (code points; generated text is mostly ASCII). */
function width(text: string): number {
  return [...text].length;
}

/**
 * Splits prose into the units a line may break between: words, with code
 * spans and links kept whole.
 */
function words(text: string): string[] {
  const out: string[] = [];
  let word = "";
  let ticks = 0; // length of the open code span's backtick run
  let link = 0; // depth of [ ] and ( ) inside a link
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === "`") {
      let j = i;
      while (text[j] === "`") j++;
      const run = j - i;
      if (ticks === 0) ticks = run;
      else if (run === ticks) ticks = 0;
      word += text.slice(i, j);
      i = j - 1;
      continue;
    }
    if (ticks === 0 && (ch === "[" || ch === "(") && (link > 0 || ch === "[")) {
      link++;
    } else if (ticks === 0 && link > 0 && (ch === "]" || ch === ")")) link--;
    if (/\s/.test(ch) && ticks === 0 && link === 0) {
      if (word) out.push(word);
      word = "";
    } else word += ch;
  }
  if (word) out.push(word);
  return out;
}

/** Prose wrapped at 80 columns; lines after the first get `indent`. */
function wrap(text: string, first: string, indent: string): string {
  const lines: string[] = [];
  let line = first;
  let empty = true;
  for (const word of words(text)) {
    if (!empty && width(line) + 1 + width(word) > WIDTH) {
      lines.push(line);
      line = indent + word;
    } else line += (empty ? "" : " ") + word;
    empty = false;
  }
  lines.push(line);
  return lines.join("\n");
}

/** A paragraph, wrapped. */
export function paragraph(text: string): string {
  return wrap(text, "", "");
}

/** A bullet list, each item wrapped. */
export function list(items: string[]): string {
  return items.map((item) => wrap(item, "- ", "  ")).join("\n");
}

/** A table with padded columns. */
export function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) =>
    Math.max(3, width(h), ...rows.map((r) => width(r[i])))
  );
  const line = (cells: string[]) =>
    `| ${
      cells.map((c, i) => c + " ".repeat(widths[i] - width(c))).join(" | ")
    } |`;
  return [line(head), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)]
    .join("\n");
}
