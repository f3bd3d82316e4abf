import { performance } from 'node:perf_hooks';
import * as yaml from 'js-yaml';
import { CommandArgs, fleetCommand, loadFleet } from '@stretched-kafka/fleet';
import { render } from '../../synth/src/render';
import { CRDS, KUBERNETES } from './schemas';
import { formatProblem, Problem, Validator } from './validator';

const USAGE = 'usage: validate [--fleet fleet.yaml]';

function validate(args: CommandArgs, started: number): number {
  const rendered = render(loadFleet(args.fleet));
  const validator = new Validator();
  const problems: Problem[] = [];
  const perKind = new Map<string, number>();
  for (const file of rendered.files) {
    // The YAML as written is what Argo CD, Flux and kubectl read, so that is what gets checked.
    const docs = yaml.loadAll(file.content);
    for (const d of docs) {
      const o = d as { apiVersion?: unknown; kind?: unknown } | null;
      const key = `${String(o?.apiVersion ?? '?')} ${String(o?.kind ?? '?')}`;
      perKind.set(key, (perKind.get(key) ?? 0) + 1);
    }
    problems.push(...validator.validate(docs, file.path));
  }
  for (const p of problems) console.log(formatProblem(p));
  const objects = [...perKind.values()].reduce((a, b) => a + b, 0);
  const kindOf = (key: string) => key.split(' ')[1];
  const clash = (key: string) => [...perKind.keys()].filter((k) => kindOf(k) === kindOf(key)).length > 1;
  // A kind is named alone unless two API groups share it (kustomize's and Flux's Kustomization).
  const kinds = [...perKind]
    .map(([key, n]) => `${clash(key) ? `${kindOf(key)} (${key.split(' ')[0]})` : kindOf(key)} ${n}`)
    .sort((a, b) => a.localeCompare(b))
    .join(', ');
  const ms = Math.round(performance.now() - started);
  console.log(
    `validate: ${objects} objects in ${rendered.files.length} files (${kinds}) against ${KUBERNETES.source} and ${CRDS.length} CRDs: ` +
      `${problems.length === 0 ? 'no problems' : `${problems.length} problem${problems.length === 1 ? '' : 's'}`} in ${ms} ms`,
  );
  return problems.length === 0 ? 0 : 1;
}

const started = performance.now();
process.exitCode = fleetCommand('validate', USAGE, {}, (args) => validate(args, started));
