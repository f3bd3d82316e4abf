import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

// The package graph as the sources state it: every workspace package declares exactly the
// workspace packages its src/ imports, reaches into no other package by a relative path, and no
// two packages depend on each other, directly or through others.

const ROOT = resolve(__dirname, '..');
const SCOPE = '@stretched-kafka/';
const PACKAGES = join(ROOT, 'packages');

interface Workspace {
  readonly name: string;
  readonly dir: string;
  readonly declared: Readonly<Record<string, string>>;
}

const WORKSPACES: readonly Workspace[] = readdirSync(PACKAGES)
  .filter((d) => existsSync(join(PACKAGES, d, 'package.json')))
  .map((d) => {
    const json = JSON.parse(readFileSync(join(PACKAGES, d, 'package.json'), 'utf8'));
    return { name: json.name, dir: join(PACKAGES, d), declared: json.dependencies ?? {} };
  });
const byName = new Map(WORKSPACES.map((w) => [w.name, w]));

/** Module specifiers of the static imports/re-exports, side-effect imports, dynamic imports and requires in one file. */
export function importsOf(source: string): string[] {
  const patterns = [
    /^\s*(?:import|export)\s+(?:type\s+)?(?:[\w$]+\s*,\s*)?(?:\{[^}]*\}|\*(?:\s+as\s+[\w$]+)?|[\w$]+)\s+from\s+['"]([^'"]+)['"]/gm,
    /^\s*import\s+['"]([^'"]+)['"]/gm,
    /\b(?:import|require)\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  return patterns.flatMap((p) => [...source.matchAll(p)].map((m) => m[1]));
}

/** A cycle in `graph` as [a, b, ..., a], or undefined when there is none. */
export function findCycle(graph: ReadonlyMap<string, readonly string[]>): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): string[] | undefined => {
    if (state.get(node) === 'done') return undefined;
    if (state.get(node) === 'open') return [...stack.slice(stack.indexOf(node)), node];
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(node, 'done');
    return undefined;
  };
  for (const node of [...graph.keys()].sort()) {
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return undefined;
}

function tsFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return entry === 'node_modules' || entry === '__snapshots__' ? [] : tsFiles(path);
    return /\.tsx?$/.test(entry) ? [path] : [];
  });
}

const packageOf = (specifier: string): string => specifier.split('/').slice(0, 2).join('/');
const inside = (path: string, dir: string) => path === dir || path.startsWith(dir + sep);
const rel = (path: string) => relative(ROOT, path);

/**
 * Workspace packages each file of `folder` (src or test) imports, and the relative imports that
 * reach into another package (those into root folders such as imports/ or test/ are not packages).
 */
function scan(w: Workspace, folder: 'src' | 'test'): { imported: Set<string>; escapes: string[] } {
  const imported = new Set<string>();
  const escapes: string[] = [];
  for (const file of tsFiles(join(w.dir, folder))) {
    for (const spec of importsOf(readFileSync(file, 'utf8'))) {
      if (spec.startsWith(SCOPE)) imported.add(packageOf(spec));
      else if (spec.startsWith('.')) {
        const target = resolve(dirname(file), spec);
        if (inside(target, PACKAGES) && !inside(target, w.dir)) escapes.push(`${rel(file)} imports ${spec}`);
      }
    }
  }
  imported.delete(w.name);
  return { imported, escapes };
}

const declaredWorkspaces = (w: Workspace) => Object.keys(w.declared).filter((d) => d.startsWith(SCOPE));
const GRAPH = new Map(WORKSPACES.map((w) => [w.name, declaredWorkspaces(w).sort()]));

/** Every package `name` depends on, directly or through others. */
function dependenciesOf(name: string, seen = new Set<string>()): Set<string> {
  for (const d of GRAPH.get(name) ?? []) {
    if (!seen.has(d)) {
      seen.add(d);
      dependenciesOf(d, seen);
    }
  }
  return seen;
}

test('the workspace has packages to check', () => {
  expect(WORKSPACES.length).toBeGreaterThan(10);
  expect(byName.has('@stretched-kafka/core')).toBe(true);
});

describe.each(WORKSPACES.map((w) => [w.name, w] as const))('%s', (_name, w) => {
  test('declares exactly the workspace packages its src imports, each at the workspace version', () => {
    const { imported } = scan(w, 'src');
    expect(declaredWorkspaces(w).sort()).toEqual([...imported].sort());
    for (const d of declaredWorkspaces(w)) {
      expect(byName.has(d)).toBe(true);
      expect(['*', '0.1.0']).toContain(w.declared[d]);
    }
  });

  test('reaches into no other package by a relative path', () => {
    expect([...scan(w, 'src').escapes, ...scan(w, 'test').escapes]).toEqual([]);
  });

  test('its tests import no package that depends on it', () => {
    const above = [...scan(w, 'test').imported].filter((d) => dependenciesOf(d).has(w.name));
    expect(above).toEqual([]);
  });

  test('package-lock.json records the same workspace dependencies', () => {
    const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8'));
    const entry = lock.packages[rel(w.dir).split(sep).join('/')];
    expect(entry).toBeDefined();
    expect(Object.keys(entry.dependencies ?? {}).filter((d) => d.startsWith(SCOPE)).sort()).toEqual(declaredWorkspaces(w).sort());
  });
});

test('no import cycle between workspace packages', () => {
  expect(findCycle(GRAPH)).toBeUndefined();
});

describe('the checks themselves', () => {
  test('findCycle reports a cycle that is introduced, and none in a tree', () => {
    const tree = new Map([
      ['synth', ['gitops', 'core']],
      ['gitops', ['core']],
      ['core', []],
    ]);
    expect(findCycle(tree)).toBeUndefined();
    expect(findCycle(new Map([...tree, ['core', ['synth']]]))).toEqual(['core', 'synth', 'gitops', 'core']);
  });

  test('importsOf finds static, type-only, re-exported, multi-line, dynamic and required imports', () => {
    const source = [
      "import { a } from '@stretched-kafka/fleet';",
      "import type { B } from '../../synth/src/component';",
      "export * from './render';",
      'import {',
      '  c,',
      "} from '@stretched-kafka/platform/src/security';",
      "import * as yaml from 'js-yaml';",
      "const m = await import('@stretched-kafka/kafka');",
      "const n = require('node:fs');",
      "const text = 'not an import from \\'@stretched-kafka/akhq\\'';",
    ].join('\n');
    expect(importsOf(source).sort()).toEqual(
      ['../../synth/src/component', './render', '@stretched-kafka/fleet', '@stretched-kafka/kafka', '@stretched-kafka/platform/src/security', 'js-yaml', 'node:fs'].sort(),
    );
  });
});
