import { diffLines, unifiedDiff } from '../src/unified-diff';

/** Applies a unified diff the way `patch --fuzz=0` does: every hunk must match at its stated line. */
function apply(oldText: string, patch: string): string {
  const old = oldText === '' ? [] : oldText.replace(/\n$/, '').split('\n');
  const out: string[] = [];
  let at = 0;
  const lines = patch.replace(/\n$/, '').split('\n').slice(2);
  for (let k = 0; k < lines.length; ) {
    const m = /^@@ -(\d+),(\d+) \+(\d+),(\d+) @@$/.exec(lines[k++]);
    if (!m) throw new Error(`not a hunk header: ${lines[k - 1]}`);
    const start = Number(m[2]) === 0 ? Number(m[1]) : Number(m[1]) - 1;
    out.push(...old.slice(at, start));
    at = start;
    let oldCount = 0;
    let newCount = 0;
    while (k < lines.length && !lines[k].startsWith('@@')) {
      const [sign, text] = [lines[k][0], lines[k].slice(1)];
      k++;
      if (sign !== '+') {
        if (old[at] !== text) throw new Error(`hunk does not match at line ${at + 1}: ${JSON.stringify(old[at])} vs ${JSON.stringify(text)}`);
        at++;
        oldCount++;
      }
      if (sign !== '-') {
        out.push(text);
        newCount++;
      }
    }
    expect([oldCount, newCount]).toEqual([Number(m[2]), Number(m[4])]);
  }
  out.push(...old.slice(at));
  return out.length ? `${out.join('\n')}\n` : '';
}

const text = (n: number, edit: (lines: string[]) => void = () => undefined) => {
  const l = Array.from({ length: n }, (_, i) => `line ${i + 1}`);
  edit(l);
  return l.length ? `${l.join('\n')}\n` : '';
};

describe('unifiedDiff', () => {
  test('equal texts give no diff', () => {
    expect(unifiedDiff('a.yaml', text(5), text(5))).toBe('');
  });

  test('one changed line: a hunk with three lines of context each side, removal before addition', () => {
    const d = unifiedDiff('us-east4/kafka/StatefulSet-kafka.yaml', text(10), text(10, (l) => (l[4] = 'changed')));
    expect(d).toBe(
      ['--- a/us-east4/kafka/StatefulSet-kafka.yaml', '+++ b/us-east4/kafka/StatefulSet-kafka.yaml', '@@ -2,7 +2,7 @@', ' line 2', ' line 3', ' line 4', '-line 5', '+changed', ' line 6', ' line 7', ' line 8', ''].join('\n'),
    );
  });

  test('changes close together share a hunk, distant ones get their own', () => {
    const near = unifiedDiff('f', text(30), text(30, (l) => ((l[5] = 'x'), (l[11] = 'y'))));
    expect(near.match(/^@@/gm)).toHaveLength(1);
    const far = unifiedDiff('f', text(30), text(30, (l) => ((l[5] = 'x'), (l[20] = 'y'))));
    expect(far.match(/^@@/gm)).toHaveLength(2);
  });

  test('additions at the start, removals at the end, and files created or emptied', () => {
    expect(unifiedDiff('f', text(3), `new\n${text(3)}`)).toBe('--- a/f\n+++ b/f\n@@ -1,3 +1,4 @@\n+new\n line 1\n line 2\n line 3\n');
    expect(unifiedDiff('f', text(5), text(3))).toBe('--- a/f\n+++ b/f\n@@ -1,5 +1,3 @@\n line 1\n line 2\n line 3\n-line 4\n-line 5\n');
    expect(unifiedDiff('f', '', 'a\n')).toBe('--- a/f\n+++ b/f\n@@ -0,0 +1,1 @@\n+a\n');
    expect(unifiedDiff('f', 'a\n', '')).toBe('--- a/f\n+++ b/f\n@@ -1,1 +0,0 @@\n-a\n');
  });

  test('a missing final newline shows as a change of the last line', () => {
    expect(unifiedDiff('f', 'a\nb', 'a\nb\n')).toBe('--- a/f\n+++ b/f\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+b\n');
  });

  test('applying the diff to the old text gives the new text (pseudo-random edits)', () => {
    let seed = 42;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    for (let t = 0; t < 200; t++) {
      const a = Array.from({ length: Math.floor(rnd() * 30) }, () => `l${Math.floor(rnd() * 6)}`);
      const b = a.filter(() => rnd() > 0.2).flatMap((l) => (rnd() < 0.15 ? [l, `n${Math.floor(rnd() * 4)}`] : [l]));
      const [oldText, newText] = [a, b].map((l) => (l.length ? `${l.join('\n')}\n` : ''));
      expect(apply(oldText, unifiedDiff('f', oldText, newText, t % 4))).toBe(newText);
    }
  });
});

test('diffLines keeps every common line of the longest common subsequence', () => {
  const ops = diffLines(['a', 'b', 'c', 'd'], ['a', 'c', 'x', 'd']);
  expect(ops.map((o) => `${o.kind}${o.line}`)).toEqual([' a', '-b', ' c', '+x', ' d']);
});
