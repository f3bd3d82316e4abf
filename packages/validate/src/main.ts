import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, normalize } from 'node:path';
import { performance } from 'node:perf_hooks';
import * as yaml from 'js-yaml';
import { CommandArgs, fleetCommand, loadFleet } from '@stretched-kafka/fleet';
import { render } from '@stretched-kafka/synth';
import { CRDS, KUBERNETES } from './schemas';
import { slashes, writtenByFluxBootstrap, yamlFiles } from './tree';
import { formatProblem, Problem, Validator } from './validator';

const USAGE = [
  'usage: validate [--clusters DIR] [--fleet fleet.yaml]',
  '  Checks every YAML document of every .yaml/.yml file under DIR (default: clusters), generated or',
  '  added by hand, against the Kubernetes 1.27 and CRD schemas, then the files a fresh render of the',
  '  fleet would write that differ from DIR. Problem lines read `<file>#<document> <Kind>/<name> <field>: <message>`.',
  '  Files under DIR/flux/<region>/flux-system/ are skipped: flux bootstrap writes them, not synth.',
].join('\n');

interface Checked {
  objects: number;
  files: number;
}

function check(validator: Validator, problems: Problem[], perKind: Map<string, number> | undefined, label: string, text: string, counts: Checked): void {
  counts.files++;
  let docs: unknown[];
  try {
    docs = yaml.loadAll(text);
  } catch (e) {
    const reason = e instanceof yaml.YAMLException ? `${e.reason} at line ${(e.mark?.line ?? 0) + 1}` : String(e);
    problems.push({ object: `${label} (YAML)`, path: '.', message: `cannot be parsed: ${reason}` });
    return;
  }
  // Empty documents (a trailing `---`, a file of comments) hold nothing to apply; positions still count them.
  const objects = docs.map((d, i) => [d, i] as const).filter(([d]) => d !== null && d !== undefined);
  for (const [d] of perKind ? objects : []) {
    const o = d as { apiVersion?: unknown; kind?: unknown };
    const key = `${String(o?.apiVersion ?? '?')} ${String(o?.kind ?? '?')}`;
    perKind!.set(key, (perKind!.get(key) ?? 0) + 1);
  }
  counts.objects += objects.length;
  for (const [d, i] of objects) problems.push(...validator.validateDocument(d, i, label));
}

function validate(args: CommandArgs, started: number): number {
  const given = String(args.clusters);
  // `./clusters`, `clusters/` and `/abs/clusters//` name the same tree and print as `clusters`,
  // `/abs/clusters`; `/` stays `/`.
  const root = given === '' ? given : normalize(given).replace(/(.)[\\/]+$/, '$1');
  if (!root || !existsSync(root) || !statSync(root).isDirectory()) {
    console.error(`validate: --clusters ${given.replace(/(.)\/+$/, '$1')}: no such folder (run npm run synth, or point --clusters at the GitOps tree)`);
    return 2;
  }
  const shown = (path: string) => slashes(join(root, path));
  const fleet = loadFleet(args.fleet);
  const rendered = render(fleet).files;
  const generated = new Set(rendered.map((f) => f.path));
  const validator = new Validator();
  const problems: Problem[] = [];
  const perKind = new Map<string, number>();

  // 1. What is committed: what Argo CD, Flux and kubectl read, hand-added files included, but
  // not what flux bootstrap committed.
  const onDisk: Checked = { objects: 0, files: 0 };
  const diskText = new Map<string, string>();
  let skipped = 0;
  for (const path of yamlFiles(root)) {
    if (writtenByFluxBootstrap(path) && !generated.has(path)) {
      skipped++;
      continue;
    }
    const text = readFileSync(join(root, path), 'utf8');
    diskText.set(path, text);
    check(validator, problems, perKind, shown(path), text, onDisk);
  }

  // 2. What a synth would write now, from this code and fleet, where it is not on disk yet (a
  // stale tree, or --fleet with another fleet): it fails here before anyone commits it.
  const fresh: Checked = { objects: 0, files: 0 };
  for (const file of rendered) {
    if (diskText.get(file.path) === file.content) continue;
    check(validator, problems, undefined, `(render) ${shown(file.path)}`, file.content, fresh);
  }

  for (const p of problems) console.log(formatProblem(p));
  const kindOf = (key: string) => key.split(' ')[1];
  const clash = (key: string) => [...perKind.keys()].filter((k) => kindOf(k) === kindOf(key)).length > 1;
  // A kind is named alone unless two API groups share it (kustomize's and Flux's Kustomization).
  const kinds = [...perKind]
    .map(([key, n]) => `${clash(key) ? `${kindOf(key)} (${key.split(' ')[0]})` : kindOf(key)} ${n}`)
    .sort((a, b) => a.localeCompare(b))
    .join(', ');
  const ms = Math.round(performance.now() - started);
  const renderText = fresh.files === 0 ? 'a fresh render matches it' : `a fresh render differs in ${fresh.files} files (${fresh.objects} objects, checked too)`;
  const skippedText = skipped === 0 ? '' : `${skipped} file${skipped === 1 ? '' : 's'} in flux/*/flux-system/ skipped (written by flux bootstrap); `;
  console.log(
    `validate: ${onDisk.objects} objects in ${onDisk.files} files under ${root === '/' ? '' : slashes(root)}/ (${kinds}); ${skippedText}${renderText}; against ${KUBERNETES.source} and ${CRDS.length} CRDs: ` +
      `${problems.length === 0 ? 'no problems' : `${problems.length} problem${problems.length === 1 ? '' : 's'}`} in ${ms} ms`,
  );
  return problems.length === 0 ? 0 : 1;
}

const started = performance.now();
process.exitCode = fleetCommand('validate', USAGE, { clusters: { type: 'string', default: 'clusters' } }, (args) => validate(args, started));
