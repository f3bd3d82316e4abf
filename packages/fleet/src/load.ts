import { existsSync, readFileSync } from 'node:fs';
import * as yaml from 'js-yaml';
import { DEFAULT_FLEET } from './defaults';
import { Fleet } from './schema';
import { FleetError, validateFleet } from './validate';

/** Where users override the built-in reference fleet. */
export const FLEET_FILE = 'fleet.yaml';

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Objects merge key by key; arrays and scalars in the override replace the default. */
export function mergeOverride(base: unknown, override: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(override)) return override === undefined ? base : override;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(override)) out[k] = k in base ? mergeOverride(base[k], v) : v;
  return out;
}

/** Parses the text of an override file; `source` names it in errors. */
export function parseOverride(text: string, source: string): unknown {
  let doc: unknown;
  try {
    doc = yaml.load(text, { filename: source, schema: yaml.CORE_SCHEMA });
  } catch (e) {
    const reason = e instanceof yaml.YAMLException ? `${e.reason} at line ${(e.mark?.line ?? 0) + 1}` : String(e);
    throw new FleetError('(file)', source, `must be valid YAML: ${reason}`, source);
  }
  if (doc === undefined || doc === null) return {};
  if (!isPlainObject(doc)) throw new FleetError('(top level)', doc, 'must be a mapping of fleet fields', source);
  return doc;
}

/**
 * The built-in fleet with an override file merged over it, validated. Without `path`, fleet.yaml
 * is used when it exists; a path given explicitly (e.g. `--fleet`) must exist, so a typo is an
 * error rather than a silent fall-back to the defaults.
 */
export function loadFleet(path?: string): Fleet {
  const file = path ?? FLEET_FILE;
  if (!existsSync(file)) {
    if (path !== undefined) throw new FleetError('--fleet', path, 'no such file (leave the flag out to use fleet.yaml or the built-in defaults)', path);
    return validateFleet(DEFAULT_FLEET, 'defaults');
  }
  return validateFleet(mergeOverride(DEFAULT_FLEET, parseOverride(readFileSync(file, 'utf8'), file)), file);
}
