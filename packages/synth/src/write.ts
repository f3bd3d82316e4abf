import { accessSync, closeSync, constants, existsSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, rmdirSync, rmSync, statSync, Stats, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { CommandError } from '@stretched-kafka/fleet';
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

/** Whether a file starts with the generator's header; reads only that many bytes (a hand-added file may be huge). */
function hasHeader(path: string): boolean {
  const head = Buffer.from(`${HEADER}\n`);
  const buf = Buffer.alloc(head.length);
  const fd = openSync(path, 'r');
  try {
    return readSync(fd, buf, 0, buf.length, 0) === buf.length && buf.equals(head);
  } finally {
    closeSync(fd);
  }
}

/** Files below `root` that the generator wrote (they start with its header). Others are never touched. */
export function ownedFiles(root: string): string[] {
  return walk(root)
    .filter((p) => p.endsWith('.yaml'))
    .filter(hasHeader)
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
  try {
    return planUnchecked(root, files);
  } catch (e) {
    if (e instanceof WriteError) throw e;
    const path = (e as NodeJS.ErrnoException).path ?? root;
    throw new WriteError(path, reasonOf(e, path));
  }
}

function lstatOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch (e) {
    // ENOTDIR: a file where a folder must go, which the write reports with its own reason.
    if (['ENOENT', 'ENOTDIR'].includes((e as NodeJS.ErrnoException).code ?? '')) return undefined;
    throw e;
  }
}

const LINK = 'is a symbolic link; synth never writes through a link (it could lead out of the output tree): replace it with a real folder or file, or remove it';

/**
 * Refuses a tree whose output root, or any existing folder or file on the way to a path it must
 * write, is a symbolic link (or a device, socket or pipe where a file goes). Links above the root
 * (say /tmp on macOS) are the user's choice of location and are not looked at.
 */
function checkNoLinks(root: string, files: ReadonlyMap<string, string>): void {
  if (lstatOrUndefined(root)?.isSymbolicLink()) throw new WriteError(root, LINK);
  const seen = new Map<string, Stats | undefined>();
  for (const path of files.keys()) {
    const parts = path.split('/');
    let abs = root;
    for (const [i, part] of parts.entries()) {
      abs = join(abs, part);
      if (!seen.has(abs)) seen.set(abs, lstatOrUndefined(abs));
      const st = seen.get(abs);
      if (st === undefined) break;
      if (st.isSymbolicLink()) throw new WriteError(abs, LINK);
      const last = i === parts.length - 1;
      // A file where a folder must go is reported with its own reason by the write itself.
      if (!last && !st.isDirectory()) break;
      if (last && !st.isFile() && !st.isDirectory()) throw new WriteError(abs, 'is a device, socket or pipe, not a file synth can replace; remove it');
    }
  }
}

function planUnchecked(root: string, files: ReadonlyMap<string, string>): Plan {
  checkNoLinks(root, files);
  const owned = new Set(ownedFiles(root));
  const changed: string[] = [];
  const added: string[] = [];
  const unchanged: string[] = [];
  for (const [path, content] of files) {
    const abs = join(root, path);
    if (!existsSync(abs)) added.push(path);
    // A folder in the way counts as a change, so that writeTree reports it by name.
    else if (statSync(abs).isDirectory()) changed.push(path);
    else {
      const existing = readFileSync(abs, 'utf8');
      if (existing === content) unchanged.push(path);
      // Someone's own file where a generated one must go (say a hand-made kustomization.yaml in a
      // layer folder): replacing it would lose their work, keeping it would leave a stale tree.
      else if (!existing.startsWith(`${HEADER}\n`)) {
        throw new WriteError(join(root, path), 'exists without the generated header, so synth did not write it and will not replace it; move it elsewhere');
      } else changed.push(path);
    }
  }
  const deleted = [...owned].filter((p) => !files.has(p));
  return { changed, added, deleted, unchanged };
}

/** The file system refused part of a write; the message is one line: the path and the reason. */
export class WriteError extends CommandError {
  constructor(path: string, reason: string, outcome = 'nothing was written') {
    super(`${path}: ${reason}; ${outcome}`);
    this.name = 'WriteError';
  }
}

const REASONS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EISDIR: 'is a folder, the generator needs to write a file there',
};

/** `path` or its nearest existing ancestor when that is not a folder (what makes a call fail with ENOTDIR). */
function fileInTheWay(path: string): string | undefined {
  for (let d = path; d !== dirname(d); d = dirname(d)) {
    if (existsSync(d)) return statSync(d).isDirectory() ? undefined : d;
  }
  return undefined;
}

function reasonOf(e: unknown, path: string): string {
  const err = e as NodeJS.ErrnoException;
  if (err.code === 'ENOTDIR') {
    const file = fileInTheWay(path);
    if (file === path) return 'is a file, the generator needs a folder there';
    return file ? `${file} is a file, the generator needs a folder there` : 'part of the path is not a folder';
  }
  return (err.code && REASONS[err.code]) ?? err.message;
}

/**
 * Writes the whole tree in two phases. Stage: every new file goes to a temporary sibling (creating
 * folders as needed) and every folder a stale file must leave is checked for write access. Commit:
 * temporaries are renamed into place and stale generated files deleted. A failure while staging
 * removes the temporaries and the folders it made; a failure while committing puts back the files
 * already replaced. Either way the old tree stays and a WriteError names the path and the reason.
 * Files without the generated header are never touched: one at a path the tree needs stops the
 * write before anything changes.
 */
export function writeTree(root: string, files: ReadonlyMap<string, string>): WriteResult {
  const p = plan(root, files);
  const staged: Staged[] = [];
  const madeFolders: string[] = [];
  let current = root;
  try {
    for (const path of [...p.added, ...p.changed]) {
      const abs = join(root, path);
      current = abs;
      if (existsSync(abs) && statSync(abs).isDirectory()) throw Object.assign(new Error('is a folder'), { code: 'EISDIR' });
      const made = mkdirSync(dirname(abs), { recursive: true });
      if (made) madeFolders.push(made);
      const tmp = `${abs}.synth-${process.pid}.tmp`;
      writeFileSync(tmp, files.get(path)!);
      staged.push({ tmp, abs, previous: existsSync(abs) ? readFileSync(abs, 'utf8') : undefined });
    }
    for (const path of p.deleted) {
      current = join(root, path);
      accessSync(dirname(current), constants.W_OK);
    }
  } catch (e) {
    undo([], staged, madeFolders);
    throw new WriteError(current, reasonOf(e, current));
  }
  const committed: Staged[] = [];
  try {
    for (const s of staged) {
      current = s.abs;
      renameSync(s.tmp, s.abs);
      committed.push(s);
    }
  } catch (e) {
    undo(committed, staged, madeFolders);
    throw new WriteError(current, reasonOf(e, current));
  }
  for (const path of p.deleted) {
    const abs = join(root, path);
    try {
      rmSync(abs);
    } catch (e) {
      throw new WriteError(abs, reasonOf(e, abs), 'the new files are in place, this file is no longer generated and remains');
    }
    removeEmptyParents(dirname(abs), root);
  }
  return { written: [...p.added, ...p.changed], unchanged: p.unchanged, deleted: p.deleted };
}

interface Staged {
  readonly tmp: string;
  readonly abs: string;
  /** Content before the write; undefined when the file is new. */
  readonly previous: string | undefined;
}

/** Puts back the files already renamed into place, then removes the temporaries and the folders made for them. */
function undo(committed: readonly Staged[], staged: readonly Staged[], madeFolders: readonly string[]): void {
  for (const s of committed) {
    if (s.previous === undefined) rmSync(s.abs, { force: true });
    else writeFileSync(s.abs, s.previous);
  }
  for (const { tmp } of staged) rmSync(tmp, { force: true });
  for (const folder of [...madeFolders].reverse()) rmSync(folder, { recursive: true, force: true });
}

function removeEmptyParents(dir: string, root: string): void {
  let d = dir;
  while (relative(root, d) && !relative(root, d).startsWith('..') && readdirSync(d).length === 0) {
    rmdirSync(d);
    d = dirname(d);
  }
}
