import { lstatSync, readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { Fleet, kafkaBrokers } from '@stretched-kafka/fleet';
import { immutableChanges, render, treeObjects } from '@stretched-kafka/synth';

// What a fleet change needs besides the sync: the operational steps between the tree on disk
// (what GitOps applied) and a fresh render. GitOps applies objects; it does not move partitions,
// resize volumes or retire topics.

interface Obj {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; annotations?: Record<string, string> };
  spec?: Record<string, unknown> & { replicas?: number; template?: unknown };
}

type Objects = Map<string, { file: string; object: Obj }>;

/** Every generated YAML file under `dir` (regular files only; a link is not followed). */
export function readTree(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    let entries: string[];
    try {
      entries = readdirSync(d);
    } catch {
      return;
    }
    for (const e of entries) {
      const p = join(d, e);
      const st = lstatSync(p);
      if (st.isDirectory()) walk(p);
      else if (st.isFile() && /\.ya?ml$/.test(e)) out.set(relative(dir, p), readFileSync(p, 'utf8'));
    }
  };
  walk(dir);
  return out;
}

function objects(files: ReadonlyMap<string, string>): Objects {
  // kustomize's own Kustomization files are no cluster objects.
  return treeObjects<Obj>(files, (o) => !(o.kind === 'Kustomization' && !!o.apiVersion?.startsWith('kustomize.config')));
}

const where = (id: string) => id.split('|')[0];
const nameOf = (o: Obj) => `${o.kind} ${o.metadata?.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata?.name}`;

/** Markdown bullet lines: what to do, per object, for the change from `existing` to `next`. */
export function changeSteps(fleet: Fleet, existing: ReadonlyMap<string, string>, next: ReadonlyMap<string, string>): string[] {
  if (existing.size === 0) return ['- First install: nothing on disk to compare with; follow "Before the first sync".'];
  const before = objects(existing);
  const after = objects(next);
  const lines: string[] = [];
  const regionsBefore = new Set([...before.keys()].map(where));
  const regionsAfter = new Set([...after.keys()].map(where));
  for (const r of regionsAfter) {
    if (!regionsBefore.has(r)) {
      lines.push(
        `- New folder \`${r}\`: a new cluster. Provision both CA Secrets and the Submariner join Secret there (Before the first sync), bootstrap Argo CD or Flux on it, ` +
          'and once its brokers run, move partitions onto them (kafka-reassign-partitions; new brokers get no existing partitions).',
      );
    }
  }
  for (const r of regionsBefore) {
    if (!regionsAfter.has(r)) {
      lines.push(
        `- Folder \`${r}\` disappears: BEFORE merging, move every partition replica off its brokers (kafka-reassign-partitions) and make sure the ZooKeeper ensemble ` +
          'keeps a majority without its members; GitOps then prunes what it applied there.',
      );
    }
  }
  for (const c of immutableChanges(existing, next)) {
    lines.push(`- ${c.kind} ${c.namespace ? `${c.namespace}/` : ''}${c.name} (\`${c.file}\`): ${c.fields.join(', ')} cannot change in place; synth needs --allow-recreate, and before the sync: ${c.procedure}.`);
  }
  const brokerIds = new Set(kafkaBrokers(fleet).map((b) => b.id));
  for (const [id, a] of after) {
    const b = before.get(id);
    const o = a.object;
    if (!b) continue;
    if (o.kind === 'StatefulSet') {
      const was = b.object.spec?.replicas ?? 1;
      const now = o.spec?.replicas ?? 1;
      if (now > was && o.metadata?.name === 'kafka') {
        lines.push(`- ${nameOf(o)} in ${where(id)}: ${now - was} more broker(s). They start empty: after the sync, reassign partitions onto them (kafka-reassign-partitions --generate with the broker list ${[...brokerIds].sort((x, y) => x - y).join(',')}, review that every partition keeps one replica per region, then --execute and --verify).`);
      }
      if (now < was) {
        lines.push(`- ${nameOf(o)} in ${where(id)}: ${was - now} fewer pod(s). BEFORE merging, move every partition replica off the removed ordinals (kafka-reassign-partitions) or take the ZooKeeper members out of the ensemble; a StatefulSet scale-down removes the highest ordinals and keeps their PVCs.`);
      }
      if (!isDeepStrictEqual(b.object.spec?.template, o.spec?.template)) {
        lines.push(`- ${nameOf(o)} in ${where(id)}: new pod template, GitOps rolls it pod by pod. One region at a time: start the next region only when no partition is under-replicated.`);
      }
    }
  }
  for (const [id, b] of before) {
    if (after.has(id)) continue;
    const o = b.object;
    if (!regionsAfter.has(where(id))) continue;
    if (o.kind === 'KafkaTopic') {
      lines.push(`- ${nameOf(o)} in ${where(id)} leaves the tree but is never pruned (deleting it deletes the topic and its data): annotate it strimzi.io/managed="false", then delete it by hand when you mean to.`);
    } else {
      lines.push(`- ${nameOf(o)} in ${where(id)} leaves the tree: GitOps prunes it.`);
    }
  }
  return lines.length > 0 ? lines : ['- Nothing beyond the sync: no object changes that need an operator.'];
}

/** The change steps against the tree under `clusters` (as committed), rendered fresh from `fleet`. */
export function changeStepsAgainst(fleet: Fleet, clusters: string): string[] {
  const next = new Map(render(fleet).files.map((f) => [f.path, f.content]));
  return changeSteps(fleet, readTree(clusters), next);
}
