import { lstatSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { CommandArgs, fleetCommand, loadFleet, placeholderFields } from '@stretched-kafka/fleet';
import { immutableChanges, immutableMessage } from './immutable';
import { migrationProblem } from './migration';
import { render } from './render';
import { formatDiff, staleMessage } from './review';
import { plan, writeTree } from './write';

const USAGE = 'usage: synth [--fleet fleet.yaml] [--out clusters] [--diff | --check] [--allow-recreate]';

/** The files of the tree on disk at the paths the render writes (those that exist and are regular files). */
function existingFiles(out: string, paths: Iterable<string>): Map<string, string> {
  const found = new Map<string, string>();
  for (const p of paths) {
    const full = join(out, p);
    try {
      if (lstatSync(full).isFile()) found.set(p, readFileSync(full, 'utf8'));
    } catch {
      // Not there yet: a new object, nothing to compare.
    }
  }
  return found;
}

function synth(args: CommandArgs, started: number): number {
  const fleet = loadFleet(args.fleet);
  const rendered = render(fleet);
  const files = new Map(rendered.files.map((f) => [f.path, f.content]));
  const out = String(args.out).replace(/(.)\/+$/, '$1');
  if (args.diff) {
    // A review aid, not a gate: it always succeeds; --check is the gate.
    console.log(formatDiff(out, files, plan(out, files)));
    return 0;
  }
  if (args.check) {
    const stale = staleMessage(out, plan(out, files));
    if (stale) {
      console.error(stale);
      return 1;
    }
    console.log(`check: ${out}/ matches a fresh synth (${files.size} files)`);
    return 0;
  }
  // What is on disk is what GitOps applied (the committed tree): a change the API server cannot
  // make in place stops synth here, before anything is written.
  const existing = existingFiles(out, files.keys());
  // Not overridable: a skipped migration phase or a way back Kafka does not have loses the cluster.
  const migration = migrationProblem(existing, files);
  if (migration) {
    console.error(migration);
    return 2;
  }
  const changes = immutableChanges(existing, files);
  if (changes.length > 0 && !args['allow-recreate']) {
    console.error(immutableMessage(changes));
    return 2;
  }
  for (const c of changes) console.error(`synth: --allow-recreate: ${c.kind} ${c.namespace ? `${c.namespace}/` : ''}${c.name} (${c.file}): ${c.fields.join(', ')}; before its sync: ${c.procedure}`);
  const result = writeTree(out, files);
  const ms = Math.round(performance.now() - started);
  const placeholders = placeholderFields(fleet);
  // A note, not an error: the built-in fleet must synth as is, and reviewers see these values.
  if (placeholders.length > 0) console.error(`synth: note: still placeholders (set them in fleet.yaml before syncing): ${placeholders.join(', ')}`);
  console.log(
    `synth: ${fleet.regions.length} regions (${fleet.regions.map((r) => r.name).join(', ')}), ${rendered.objectCount} objects, ${rendered.files.length} files in ${out}/ ` +
      `(${result.written.length} written, ${result.deleted.length} deleted, ${result.unchanged.length} unchanged) in ${ms} ms`,
  );
  return 0;
}

const started = performance.now();
process.exitCode = fleetCommand(
  'synth',
  USAGE,
  { out: { type: 'string', default: process.env.CDK8S_OUTDIR ?? 'clusters' }, diff: { type: 'boolean' }, check: { type: 'boolean' }, 'allow-recreate': { type: 'boolean' } },
  (args) => synth(args, started),
  (args) => {
    if (args.diff && args.check) throw new Error('--diff and --check do not go together');
  },
);
