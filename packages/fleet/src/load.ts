import { closeSync, constants, fstatSync, openSync, readSync, statSync } from 'node:fs';
import * as yaml from 'js-yaml';
import { DEFAULT_FLEET, defaultFleet } from './defaults';
import { Fleet } from './schema';
import { FleetError, validateFleet } from './validate';

/** Where users override the built-in reference fleet. */
export const FLEET_FILE = 'fleet.yaml';

/** Largest fleet file read: a fleet of 100 regions is about 30 KiB. */
export const MAX_FLEET_FILE_BYTES = 1024 * 1024;
/**
 * Largest override once YAML aliases are expanded, in values (mappings, lists and scalars), and
 * deepest nesting. The built-in fleet has about 150 values and a depth of 4; an alias bomb (a
 * billion values from a few lines) stops at the bound in well under a second.
 */
export const MAX_FLEET_VALUES = 20_000;
export const MAX_FLEET_DEPTH = 32;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Objects merge key by key; arrays and scalars in the override replace the default. */
export function mergeOverride(base: unknown, override: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(override)) return override === undefined ? base : override;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(override)) {
    const merged = Object.prototype.hasOwnProperty.call(base, k) ? mergeOverride(base[k], v) : v;
    // defineProperty: a key such as __proto__ is data here, never the object's prototype.
    Object.defineProperty(out, k, { value: merged, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/**
 * A copy of a parsed YAML document as a plain tree, each alias expanded, within MAX_FLEET_VALUES
 * values and MAX_FLEET_DEPTH levels; an alias that contains itself, or a key that names an object
 * prototype, is refused.
 */
function plainTree(doc: unknown, source: string): unknown {
  let values = 0;
  const ancestors = new Set<object>();
  const copy = (v: unknown, path: string, depth: number): unknown => {
    if (++values > MAX_FLEET_VALUES) {
      throw new FleetError('(file)', source, `must hold at most ${MAX_FLEET_VALUES} values once YAML aliases are expanded (is it an alias bomb?)`, source);
    }
    if (v === null || typeof v !== 'object') return v;
    if (depth > MAX_FLEET_DEPTH) throw new FleetError(path || '(top level)', '(nested)', `nests deeper than ${MAX_FLEET_DEPTH} levels; no fleet field does`, source);
    if (ancestors.has(v)) throw new FleetError(path, '(alias)', 'is a YAML alias that contains itself', source);
    ancestors.add(v);
    let out: unknown;
    if (Array.isArray(v)) out = v.map((x, i) => copy(x, `${path}[${i}]`, depth + 1));
    else {
      const obj: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) {
        const field = path ? `${path}.${k}` : k;
        if (k === '__proto__' || k === 'constructor' || k === 'prototype') {
          throw new FleetError(field, '(mapping)', 'unknown key (check the spelling against the fleet reference in docs/fleet.md)', source);
        }
        obj[k] = copy(x, field, depth + 1);
      }
      out = obj;
    }
    ancestors.delete(v);
    return out;
  };
  return copy(doc, '', 0);
}

/** Parses the text of an override file; `source` names it in errors. */
export function parseOverride(text: string, source: string): unknown {
  if (text.includes('\0')) throw new FleetError('(file)', source, 'must be YAML text; it holds NUL bytes (a binary file?)', source);
  let doc: unknown;
  try {
    doc = yaml.load(text, { filename: source, schema: yaml.CORE_SCHEMA });
  } catch (e) {
    if (e instanceof yaml.YAMLException) {
      throw new FleetError('(file)', source, `must be valid YAML: ${e.reason} at line ${(e.mark?.line ?? 0) + 1}`, source);
    }
    // js-yaml recurses per nesting level: [[[[... thousands deep ends its stack.
    if (e instanceof RangeError) throw new FleetError('(file)', source, `must be valid YAML: it nests too deeply (no fleet field is deeper than ${MAX_FLEET_DEPTH} levels)`, source);
    throw e;
  }
  if (doc === undefined || doc === null) return {};
  if (!isPlainObject(doc)) throw new FleetError('(top level)', plainTree(doc, source), 'must be a mapping of fleet fields', source);
  return plainTree(doc, source);
}

const reasons: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ELOOP: 'too many levels of symbolic links',
  ENAMETOOLONG: 'the name is too long',
  ENOTDIR: 'a part of the path is not a folder',
  EISDIR: 'is a folder, not a file',
};

/**
 * The text of a fleet file: a regular file (no folder, device or pipe, which could block or never
 * end) of at most MAX_FLEET_FILE_BYTES, in UTF-8 (a byte order mark is dropped).
 */
export function readFleetFile(file: string): string {
  const refuse = (why: string) => new FleetError('--fleet', file, why, file);
  let fd: number;
  try {
    if (!statSync(file).isFile()) throw refuse('is not a regular file (a folder, device or pipe); give a fleet YAML file');
    // O_NONBLOCK: should the path turn into a pipe after the stat, opening it does not wait for a writer.
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    if (e instanceof FleetError) throw e;
    const code = (e as NodeJS.ErrnoException).code ?? '';
    throw refuse(`cannot be read: ${reasons[code] ?? (e as Error).message}`);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw refuse('is not a regular file (a folder, device or pipe); give a fleet YAML file');
    if (st.size > MAX_FLEET_FILE_BYTES) throw refuse(`is ${st.size} bytes; a fleet file may have at most ${MAX_FLEET_FILE_BYTES} (1 MiB)`);
    // Read at most one byte more than allowed, whatever the size said: a file may grow meanwhile.
    const buf = Buffer.alloc(MAX_FLEET_FILE_BYTES + 1);
    let length = 0;
    for (let n = -1; n !== 0 && length < buf.length; length += n) n = readSync(fd, buf, length, buf.length - length, null);
    if (length > MAX_FLEET_FILE_BYTES) throw refuse(`has more than ${MAX_FLEET_FILE_BYTES} bytes (1 MiB), the most a fleet file may have`);
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(buf.subarray(0, length));
    } catch {
      throw refuse('must be UTF-8 text (is it a binary or UTF-16 file?)');
    }
  } catch (e) {
    if (e instanceof FleetError) throw e;
    throw refuse(`cannot be read: ${reasons[(e as NodeJS.ErrnoException).code ?? ''] ?? (e as Error).message}`);
  } finally {
    closeSync(fd);
  }
}

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== 'ENOENT';
  }
}

/** The metadata mode an override asks for: the built-in fleet it is merged over follows it (kafka.image and version, the regions' node counts). */
function modeOf(override: unknown): [Fleet['metadata']['mode'], unknown] {
  const metadata = isPlainObject(override) ? override.metadata : undefined;
  if (!isPlainObject(metadata)) return ['zookeeper', undefined];
  return [metadata.mode === 'kraft' || metadata.mode === 'migration' ? metadata.mode : 'zookeeper', metadata.phase];
}

/**
 * The built-in fleet with an override file merged over it, validated. Without `path`, fleet.yaml
 * is used when it exists; a path given explicitly (e.g. `--fleet`) must exist, so a typo is an
 * error rather than a silent fall-back to the defaults.
 */
export function loadFleet(path?: string): Fleet {
  const file = path ?? FLEET_FILE;
  if (!exists(file)) {
    if (path !== undefined) throw new FleetError('--fleet', path, 'no such file (leave the flag out to use fleet.yaml or the built-in defaults)', path);
    return validateFleet(DEFAULT_FLEET, 'defaults');
  }
  const override = parseOverride(readFleetFile(file), file);
  return validateFleet(mergeOverride(defaultFleet(...modeOf(override)), override), file);
}
