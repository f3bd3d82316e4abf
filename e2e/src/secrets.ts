import { existsSync, lstatSync, mkdirSync, readdirSync, readlinkSync, renameSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

// A Secret volume as the kubelet lays it out and updates it (its atomic writer): the files live in
// a timestamped folder `..<time>`, `..data` is a symlink to that folder, and each key is a symlink
// `<key> -> ..data/<key>`. An update writes a new timestamped folder, points `..data_tmp` at it
// and renames `..data_tmp` over `..data` (one atomic rename: a reader sees the old set or the new
// set, never a mix), then removes the old folder. A process that watches a key's file by name
// (inotify on `tls.crt`) therefore sees no event on it; one that reads or hashes the files does.

/** The mode of the generated Secret volumes (defaultMode 0o440 in the StatefulSets). */
const MODE = 0o440;

/** The kubelet's folder name for one payload: `..` and the UTC time to the nanosecond. */
function timestamped(now: Date, seq: number): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  const d = `${now.getUTCFullYear()}_${p(now.getUTCMonth() + 1)}_${p(now.getUTCDate())}_${p(now.getUTCHours())}_${p(now.getUTCMinutes())}_${p(now.getUTCSeconds())}`;
  return `..${d}.${p(now.getUTCMilliseconds(), 3)}${p(seq, 6)}`;
}

let writes = 0;

/** Writes `files` (key -> content) as the Secret volume at `dir`: first payload or an update. */
export function writeSecretVolume(dir: string, files: Readonly<Record<string, string | Buffer>>): void {
  mkdirSync(dir, { recursive: true });
  const data = join(dir, '..data');
  const old = existsSync(data) ? readlinkSync(data) : undefined;
  const payload = timestamped(new Date(), ++writes);
  mkdirSync(join(dir, payload), { mode: 0o755 });
  for (const [key, content] of Object.entries(files)) writeFileSync(join(dir, payload, key), content, { mode: MODE });
  const tmp = join(dir, '..data_tmp');
  rmSync(tmp, { force: true });
  symlinkSync(payload, tmp);
  renameSync(tmp, data);
  for (const key of Object.keys(files)) {
    if (!isLink(join(dir, key))) symlinkSync(join('..data', key), join(dir, key));
  }
  // Keys the new payload no longer has, and the previous payload.
  for (const entry of readdirSync(dir)) {
    if (!entry.startsWith('..') && !(entry in files) && isLink(join(dir, entry))) unlinkSync(join(dir, entry));
  }
  if (old !== undefined && old !== payload) rmSync(join(dir, old), { recursive: true, force: true });
}

function isLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}
