import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { HEADER } from './render';

export interface WriteResult {
  readonly written: string[];
  readonly unchanged: string[];
  readonly deleted: string[];
}

function walk(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    return e.isDirectory() ? walk(p) : e.isFile() ? [p] : [];
  });
}

/** Files below `root` that the generator wrote (they start with its header). Others are never touched. */
export function ownedFiles(root: string): string[] {
  return walk(root)
    .filter((p) => p.endsWith('.yaml'))
    .filter((p) => {
      const text = readFileSync(p, 'utf8');
      return text.startsWith(`${HEADER}\n`);
    })
    .map((p) => relative(root, p).split(sep).join('/'))
    .sort();
}

/** Paths (relative to the output root) sorted by what a write would do to them. */
export interface Plan {
  readonly changed: string[];
  readonly added: string[];
  /** Generated files (with the header) that the new tree no longer has. */
  readonly deleted: string[];
  readonly unchanged: string[];
}

/** What writing `files` into `root` would change, without writing. */
export function plan(root: string, files: ReadonlyMap<string, string>): Plan {
  const owned = new Set(ownedFiles(root));
  const changed: string[] = [];
  const added: string[] = [];
  const unchanged: string[] = [];
  for (const [path, content] of files) {
    const abs = join(root, path);
    if (!existsSync(abs)) added.push(path);
    // A folder in the way counts as a change, so that writeTree reports it by name.
    else if (statSync(abs).isDirectory()) changed.push(path);
    else if (readFileSync(abs, 'utf8') === content) unchanged.push(path);
    else changed.push(path);
  }
  const deleted = [...owned].filter((p) => !files.has(p));
  return { changed, added, deleted, unchanged };
}

/**
 * Writes the whole tree: every new file goes to a temporary sibling first and is renamed into
 * place only after all of them were written, so a failure leaves the old tree. Generated files
 * that the new tree no longer has are deleted (so removals show in review); files without the
 * generated header are left alone.
 */
export function writeTree(root: string, files: ReadonlyMap<string, string>): WriteResult {
  const p = plan(root, files);
  const staged: [string, string][] = [];
  try {
    for (const path of [...p.added, ...p.changed]) {
      const abs = join(root, path);
      if (existsSync(abs) && statSync(abs).isDirectory()) throw new Error(`${abs} is a folder; the generator needs to write a file there`);
      mkdirSync(dirname(abs), { recursive: true });
      const tmp = `${abs}.synth-${process.pid}.tmp`;
      writeFileSync(tmp, files.get(path)!);
      staged.push([tmp, abs]);
    }
  } catch (e) {
    for (const [tmp] of staged) rmSync(tmp, { force: true });
    throw e;
  }
  for (const [tmp, abs] of staged) renameSync(tmp, abs);
  for (const path of p.deleted) {
    const abs = join(root, path);
    rmSync(abs);
    removeEmptyParents(dirname(abs), root);
  }
  return { written: [...p.added, ...p.changed], unchanged: p.unchanged, deleted: p.deleted };
}

function removeEmptyParents(dir: string, root: string): void {
  let d = dir;
  while (relative(root, d) && !relative(root, d).startsWith('..') && readdirSync(d).length === 0) {
    rmdirSync(d);
    d = dirname(d);
  }
}
