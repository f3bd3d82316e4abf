import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Plan } from './write';
import { createTwoFilesPatch } from 'diff';

/** Unified diff of one file, without the `Index:`/`===` banner the library puts first. */
function unifiedDiff(path: string, oldText: string, newText: string): string {
  return createTwoFilesPatch(`a/${path}`, `b/${path}`, oldText, newText, undefined, undefined, { context: 3 }).replace(/^=+\n/, '');
}

/** Files a synth would add, change or delete; unchanged ones do not count. */
export function pending(p: Plan): number {
  return p.added.length + p.changed.length + p.deleted.length;
}

const regionOf = (path: string) => path.split('/')[0];

function countLines(text: string): number {
  return text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
}

/**
 * What `synth` would do to `root`, per region and file: added and deleted files by name, changed
 * files as a unified diff of their YAML. Ends with a one-line summary; writes nothing.
 */
export function formatDiff(root: string, files: ReadonlyMap<string, string>, p: Plan): string {
  const entries = [
    ...p.added.map((path) => ({ path, what: 'added' as const })),
    ...p.changed.map((path) => ({ path, what: 'changed' as const })),
    ...p.deleted.map((path) => ({ path, what: 'deleted' as const })),
  ].sort((a, b) => a.path.localeCompare(b.path));
  const out: string[] = [];
  for (const region of [...new Set(entries.map((e) => regionOf(e.path)))]) {
    const mine = entries.filter((e) => regionOf(e.path) === region);
    const n = (what: string) => mine.filter((e) => e.what === what).length;
    out.push(`${region}: ${n('added')} added, ${n('changed')} changed, ${n('deleted')} deleted`);
    for (const e of mine) {
      if (e.what === 'added') out.push(`  added   ${e.path} (${countLines(files.get(e.path)!)} lines)`);
      else if (e.what === 'deleted') out.push(`  deleted ${e.path}`);
      else {
        out.push(`  changed ${e.path}`);
        const abs = join(root, e.path);
        if (statSync(abs).isDirectory()) out.push(`    (a folder is in the way; synth will refuse to write here)`);
        else out.push(unifiedDiff(e.path, readFileSync(abs, 'utf8'), files.get(e.path)!).trimEnd());
      }
    }
  }
  const summary =
    pending(p) === 0
      ? `diff: ${root}/ is up to date (${p.unchanged.length} files); nothing written`
      : `diff: a synth would change ${pending(p)} files in ${root}/ (${p.added.length} added, ${p.changed.length} changed, ${p.deleted.length} deleted, ${p.unchanged.length} unchanged); nothing written`;
  return [...out, summary].join('\n');
}

/** One line for CI when `root` differs from a fresh synth, or undefined when it is fresh. */
export function staleMessage(root: string, p: Plan, shown = 5): string | undefined {
  if (pending(p) === 0) return undefined;
  const items = [...p.changed.map((f) => `${f} changed`), ...p.added.map((f) => `${f} missing`), ...p.deleted.map((f) => `${f} no longer generated`)];
  const list = items.slice(0, shown).join(', ') + (items.length > shown ? `, and ${items.length - shown} more` : '');
  const files = pending(p) === 1 ? '1 file differs' : `${pending(p)} files differ`;
  return `${root}/ is stale: ${files} from a fresh synth (${list}). Run npm run synth and commit the result.`;
}
