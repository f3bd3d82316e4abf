import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

// Every relative link in the user and maintainer documents points at a file that exists and,
// with `#anchor`, at a heading of that file (GitHub's anchor rule).

const repo = join(__dirname, '..');
const documents = ['README.md', 'CONTRIBUTING.md', ...readdirSync(join(repo, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

/** The text outside fenced code blocks and inline code spans. */
function prose(text: string): string {
  return text
    .replace(/^[ \t]*(```|~~~)[^\n]*\n[\s\S]*?^[ \t]*\1[^\n]*$/gm, '')
    .replace(/`[^`\n]*`/g, '');
}

/** GitHub's heading anchors of a Markdown file, duplicates numbered -1, -2, ... */
function anchors(path: string): Set<string> {
  const out = new Set<string>();
  const seen = new Map<string, number>();
  const text = readFileSync(path, 'utf8').replace(/^[ \t]*(```|~~~)[^\n]*\n[\s\S]*?^[ \t]*\1[^\n]*$/gm, '');
  for (const m of text.matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const slug = m[1]
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    out.add(n ? `${slug}-${n}` : slug);
  }
  for (const m of text.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) out.add(m[1]);
  return out;
}

function links(doc: string): Array<[string, string]> {
  const text = prose(readFileSync(join(repo, doc), 'utf8'));
  return [...text.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)]
    .map((m) => m[1])
    .filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target))
    .map((target): [string, string] => [doc, target]);
}

const all = documents.flatMap(links);

test('the documents have relative links to check', () => {
  expect(all.length).toBeGreaterThan(20);
});

test.each(all)('%s -> %s', (doc, target) => {
  const [file, anchor] = target.split('#', 2);
  const path = file ? resolve(dirname(join(repo, doc)), decodeURI(file)) : join(repo, doc);
  expect(relative(repo, path).startsWith('..')).toBe(false);
  expect(existsSync(path) ? relative(repo, path) : `missing: ${relative(repo, path)}`).toBe(relative(repo, path));
  if (anchor !== undefined) {
    expect(statSync(path).isFile() && path.endsWith('.md')).toBe(true);
    expect([...anchors(path)]).toContain(anchor);
  }
});
