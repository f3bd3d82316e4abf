// A line diff in unified format for `synth --diff`. The `diff` package is not a dependency of
// this workspace (only jest's own diff is installed, for jest); generated YAML files are small
// (tens to a few hundred lines), so a plain LCS table is fast enough and easy to verify.

export type Op = { readonly kind: ' ' | '-' | '+'; readonly line: string };

function lines(text: string): string[] {
  if (text === '') return [];
  const all = text.split('\n');
  if (all[all.length - 1] === '') all.pop();
  else all[all.length - 1] += '\n\\ No newline at end of file';
  return all;
}

const keep = (ls: readonly string[]): Op[] => ls.map((line) => ({ kind: ' ', line }));

/** Past this many table cells (files far larger than anything synth writes) a block shows replaced whole. */
const MAX_CELLS = 4_000_000;

function lcsOps(x: readonly string[], y: readonly string[]): Op[] {
  // lcs[i][j] = length of the longest common subsequence of x[i..] and y[j..].
  const lcs = Array.from({ length: x.length + 1 }, () => new Uint32Array(y.length + 1));
  for (let i = x.length - 1; i >= 0; i--) {
    for (let j = y.length - 1; j >= 0; j--) lcs[i][j] = x[i] === y[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
  }
  const ops: Op[] = [];
  let i = 0;
  let j = 0;
  // On a tie, remove first: a changed line reads as `-old` then `+new`, as in `git diff`.
  while (i < x.length || j < y.length) {
    if (i < x.length && j < y.length && x[i] === y[j]) {
      ops.push({ kind: ' ', line: x[i++] });
      j++;
    } else if (i < x.length && (j === y.length || lcs[i + 1][j] >= lcs[i][j + 1])) ops.push({ kind: '-', line: x[i++] });
    else ops.push({ kind: '+', line: y[j++] });
  }
  return ops;
}

/** The edit script from `a` to `b`: common lines kept, the rest removed or added. */
export function diffLines(a: readonly string[], b: readonly string[]): Op[] {
  // Trim the common head and tail first: a regenerated file usually differs in a few lines.
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const x = a.slice(head, a.length - tail);
  const y = b.slice(head, b.length - tail);
  const body: Op[] = (x.length + 1) * (y.length + 1) <= MAX_CELLS ? lcsOps(x, y) : [...x.map((line) => ({ kind: '-' as const, line })), ...y.map((line) => ({ kind: '+' as const, line }))];
  return [...keep(a.slice(0, head)), ...body, ...keep(a.slice(a.length - tail))];
}

/**
 * `old` -> `new` as a unified diff with `context` lines around each change, headed
 * `--- a/<path>` / `+++ b/<path>`; empty when the texts are equal.
 */
export function unifiedDiff(path: string, oldText: string, newText: string, context = 3): string {
  if (oldText === newText) return '';
  const ops = diffLines(lines(oldText), lines(newText));
  const changed = ops.map((o, k) => (o.kind === ' ' ? -1 : k)).filter((k) => k >= 0);
  const out = [`--- a/${path}`, `+++ b/${path}`];
  let start = 0;
  while (start < changed.length) {
    // One hunk: changes whose gaps are at most 2 * context lines apart.
    let end = start;
    while (end + 1 < changed.length && changed[end + 1] - changed[end] <= 2 * context + 1) end++;
    const from = Math.max(0, changed[start] - context);
    const to = Math.min(ops.length, changed[end] + context + 1);
    let oldLine = 1;
    let newLine = 1;
    for (const o of ops.slice(0, from)) {
      if (o.kind !== '+') oldLine++;
      if (o.kind !== '-') newLine++;
    }
    const hunk = ops.slice(from, to);
    const oldCount = hunk.filter((o) => o.kind !== '+').length;
    const newCount = hunk.filter((o) => o.kind !== '-').length;
    out.push(`@@ -${oldCount ? oldLine : oldLine - 1},${oldCount} +${newCount ? newLine : newLine - 1},${newCount} @@`);
    out.push(...hunk.map((o) => `${o.kind}${o.line}`));
    start = end + 1;
  }
  return `${out.join('\n')}\n`;
}
