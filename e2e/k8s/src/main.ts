// npm run test:k8s: the generated tree on real Kubernetes API servers, one control plane per
// region, as Argo CD and Flux apply it: first install, no perpetual diff, upgrade from the
// previous release and the fleet changes users make, and a negative proof that the harness fails
// when an object breaks a rule only the API server checks. See e2e/k8s/README.md.
import { cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadFleet } from '@stretched-kafka/fleet';
import { checkApplied, checkNoDiff, checkOperatorRbac, checkPods, checkRestricted, checkTokens, compact, rewrites } from './assert';
import { Change, fleetChanges, synth } from './changes';
import { Binaries, ControlPlane, kubeconfigYaml, makePki } from './controlplane';
import { ARGO_MANAGER, FLUX_MANAGER, Scope, SyncResult, Unit, argoControlUnit, argoUnits, discoverScope, fluxUnits, syncUnit } from './gitops';
import { Kube, ObjectResult, kubectlStats } from './kube';
import { killAllNow, must, run, setPidFile, setTmpDir, stopServices } from './proc';
import { Report, indent } from './report';
import { INJECTIONS, Injection } from './inject';
import { Obj, Tree, label } from './tree';

const { values: opt } = parseArgs({
  options: {
    repo: { type: 'string', default: process.cwd() },
    work: { type: 'string' },
    crds: { type: 'string' },
    'route-crd': { type: 'string' },
    previous: { type: 'string', default: process.env.K8S_PREVIOUS ?? '5ecc0ad' },
    inject: { type: 'string' },
    stages: { type: 'string', default: process.env.K8S_STAGES ?? 'argo,flux,upgrade,changes,negative' },
    changes: { type: 'string', default: process.env.K8S_CHANGES ?? '' },
    keep: { type: 'boolean', default: process.env.K8S_KEEP === '1' },
  },
});

const started = Date.now();
const repo = resolve(opt.repo!);
const work = resolve(opt.work ?? join(repo, '.e2e', `k8s-${new Date().toISOString().replace(/[:.]/g, '-')}`));
const stages = new Set(opt.inject ? ['argo', 'inject'] : opt.stages!.split(',').map((s) => s.trim()));
const bin: Binaries = {
  etcd: need('ETCD'),
  apiserver: need('KUBE_APISERVER'),
  controllerManager: need('KUBE_CONTROLLER_MANAGER'),
  kubectl: need('KUBECTL'),
  kustomize: need('KUSTOMIZE'),
};
const report = new Report();
const secs = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

function need(v: string): string {
  const p = process.env[v];
  if (!p || !existsSync(p)) {
    console.error(`k8s: ${v} is not set to a built binary (run e2e/k8s/run.sh, which sources env.sh and runs build.sh)`);
    process.exit(2);
  }
  return p;
}

interface Plane {
  readonly cp: ControlPlane;
  readonly kube: Kube;
  readonly region: string;
}

/** One control plane per region for one purpose (a tool's first install, the upgrade path). */
class PlaneSet {
  readonly planes = new Map<string, Plane>();
  /** what each unit (Application, Kustomization) applied last, for pruning */
  readonly last = new Map<string, Obj[]>();
  /** units whose last sync was accepted in full (so an unchanged rendering means Synced) */
  readonly clean = new Set<string>();
  readonly kubeconfig: string;

  constructor(
    readonly name: string,
    readonly regions: readonly string[],
    pki: string,
  ) {
    this.kubeconfig = join(work, `${name}.kubeconfig`);
    for (const region of regions) {
      const cp = new ControlPlane({ id: `${name}-${region}`, region }, work, pki, bin);
      this.planes.set(region, { cp, region, kube: new Kube(bin.kubectl, this.kubeconfig, region, join(work, 'scratch')) });
    }
  }

  plane(region: string): Plane {
    const p = this.planes.get(region);
    if (!p) throw new Error(`set ${this.name}: no control plane for region ${region}`);
    return p;
  }

  writeKubeconfig(pki: string): void {
    writeFileSync(
      this.kubeconfig,
      kubeconfigYaml([...this.planes.values()].map((p) => ({ name: p.region, server: p.cp.server, ca: `${pki}/ca.crt`, cert: `${pki}/admin.crt`, key: `${pki}/admin.key` }))),
    );
  }
}

interface RegionSync {
  readonly region: string;
  readonly syncs: SyncResult[];
  readonly objects: Obj[];
}

/** Argo CD: the gitops Application to the control cluster (first region), then every region's Applications (regions in parallel). */
async function argoSync(set: PlaneSet, tree: Tree, scope: Scope, opts: { prune: boolean; regions?: readonly string[]; oneCall?: boolean }): Promise<RegionSync[]> {
  const control = await argoControlUnit(tree, bin.kustomize, scope);
  const first = set.regions[0];
  const controlSync = control ? await syncOne(set, first, control, opts.prune, opts.oneCall) : undefined;
  const regions = (opts.regions ?? tree.regions).filter((r) => set.planes.has(r));
  return Promise.all(
    regions.map(async (region) => {
      const units = await argoUnits(tree, region, bin.kustomize, scope);
      const syncs: SyncResult[] = [];
      if (controlSync && region === first) syncs.push(controlSync);
      for (const u of units) syncs.push(await syncOne(set, region, u, opts.prune, opts.oneCall));
      return { region, syncs, objects: syncs.flatMap((s) => s.unit.objects) };
    }),
  );
}

/**
 * Syncs one unit. Argo CD's automated sync runs only for an Application that is OutOfSync: a unit
 * whose rendering did not change since its last fully accepted sync is left alone (no apply, so no
 * Force=true,Replace=true recreation either). Flux applies every interval (server-side, a no-op).
 */
async function syncOne(set: PlaneSet, region: string, unit: Unit, prune: boolean, oneCall = false): Promise<SyncResult> {
  const id = `${region}/${unit.owner}`;
  const last = set.last.get(id);
  if (unit.tool === 'argocd' && last && set.clean.has(id) && JSON.stringify(last) === JSON.stringify(unit.objects)) {
    return { unit, results: unit.objects.map((o) => ({ object: o, ok: true, message: '', warnings: [] })), pruned: [], kept: [], pruneOutput: '', recreated: [], skipped: true };
  }
  const res = await syncUnit(set.plane(region).kube, unit, last ?? [], { prune, oneCall });
  set.last.set(id, unit.objects);
  if (res.results.every((r) => r.ok)) set.clean.add(id);
  else set.clean.delete(id);
  return res;
}

/** Flux: the bootstrap Kustomization (clusters/flux/<region>) and the layers in dependsOn order. */
async function fluxSync(set: PlaneSet, tree: Tree, region: string): Promise<RegionSync & { external: string[] }> {
  const plan = await fluxUnits(tree, region, bin.kustomize);
  const syncs: SyncResult[] = [];
  for (const u of plan.units) syncs.push(await syncOne(set, region, u, true));
  return { region, syncs, objects: syncs.flatMap((s) => s.unit.objects), external: plan.external.map((e) => `${e.name} (${e.source}, ${e.path})`) };
}

interface RegionFigures {
  objects: number;
  refused: number;
  warned: number;
  pods: string;
  diffs: number;
}
const figures = new Map<string, RegionFigures>();

/** The assertions every synced region gets: accepted, no warnings, restricted namespaces, Pods, tokens, no diff. */
async function assertRegion(rep: Report, stage: string, plane: Plane, rs: RegionSync, manager: string, since: number, opts: { podsTimeoutMs?: number; record?: string } = {}): Promise<void> {
  const results: ObjectResult[] = rs.syncs.flatMap((s) => s.results);
  const { refused, warned } = checkApplied(rep, stage, results);
  for (const s of rs.syncs) {
    if (s.pruned.length) rep.note(stage, `${s.unit.owner}: pruned ${s.pruned.map(label).join(', ')}`);
    if (s.kept.length) rep.note(stage, `${s.unit.owner}: not pruned (pruning disabled on the object; ${s.unit.tool === 'argocd' ? 'Argo CD shows the app OutOfSync, requires pruning' : 'Flux leaves it'}): ${s.kept.map(label).join(', ')}`);
    if (s.recreated.length) rep.note(stage, `${s.unit.owner}: deleted and created again: ${s.recreated.map(label).join(', ')}`);
  }
  await checkRestricted(rep, stage, plane.kube, rs.objects);
  const pods = await checkPods(rep, stage, plane.kube, rs.objects, since, opts.podsTimeoutMs ?? 60_000);
  await checkTokens(rep, stage, plane.kube, rs.objects);
  const diffs = await checkNoDiff(rep, stage, plane.kube, rs.objects.filter((o) => results.find((r) => r.object === o)?.ok !== false), manager);
  if (opts.record) figures.set(opts.record, { objects: rs.objects.length, refused: refused.length, warned: warned.length, pods: `${pods.created}/${pods.expected}`, diffs: diffs.length });
}

/** The plan's join-secret commands, run as printed with kubectl contexts named after the regions. */
async function checkJoinCommands(rep: Report, stage: string, set: PlaneSet): Promise<void> {
  const plan = await run('node', [join(repo, 'dist/plan.js')], { cwd: repo, timeoutMs: 60_000 });
  const cmds = plan.stdout.split('\n').filter((l) => l.startsWith('kubectl --context ') && l.includes(' get secret '));
  if (!rep.check(stage, `npm run plan prints ${cmds.length} join-secret commands (one per region: ${set.regions.length})`, plan.code === 0 && cmds.length === set.regions.length, compact(plan.stderr))) return;
  const env = { ...process.env, KUBECONFIG: set.kubeconfig, PATH: `${dirname(bin.kubectl)}:${process.env.PATH}` };
  for (const cmd of cmds) {
    const m = /^kubectl --context (\S+) -n (\S+) get secret (\S+) .*\| kubectl --context (\S+) apply -f -$/.exec(cmd);
    if (!rep.check(stage, `join command has the expected shape`, !!m, cmd)) continue;
    const [, brokerCtx, brokerNs, tokenSecret, target] = m!;
    const r = await run('bash', ['-o', 'pipefail', '-c', cmd], { env, timeoutMs: 60_000 });
    if (!rep.check(stage, `join command for ${target} ran (broker ${brokerCtx}, ${tokenSecret})`, r.code === 0, compact(r.stdout + r.stderr))) continue;
    // the join Secret: the broker token and CA, and the token authenticates at the broker as its ServiceAccount
    const joinName = /"name":"([^"]+)","namespace":"([^"]+)"/.exec(cmd);
    const target_ = set.plane(target).kube;
    const secret = await target_.json(['get', 'secret', joinName![1], '-n', joinName![2]]);
    const token = Buffer.from(String(secret.data?.token ?? ''), 'base64').toString();
    const ca = Buffer.from(String(secret.data?.['ca.crt'] ?? ''), 'base64').toString();
    const tokenSecretObj = await set.plane(brokerCtx).kube.json(['get', 'secret', tokenSecret, '-n', brokerNs]);
    const sa = tokenSecretObj.metadata?.annotations?.['kubernetes.io/service-account.name'];
    const caFile = join(work, 'scratch', `join-${target}.ca.crt`);
    writeFileSync(caFile, ca);
    const asToken = (args: string[]): Promise<{ code: number; stdout: string; stderr: string }> =>
      run(bin.kubectl, ['--kubeconfig=/dev/null', `--server=${set.plane(brokerCtx).cp.server}`, `--certificate-authority=${caFile}`, `--token=${token}`, ...args], { timeoutMs: 30_000 });
    const who = await asToken(['auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}']);
    const want = `system:serviceaccount:${brokerNs}:${sa}`;
    rep.check(stage, `${target}'s ${joinName![2]}/${joinName![1]} holds token + ca.crt; the token authenticates at the broker as ${want}`, token.length > 0 && ca.length > 0 && who.stdout.trim() === want, `whoami: ${who.stdout.trim()} ${compact(who.stderr)}`);
    // SelfSubjectAccessReview with the token (kubectl auth can-i cannot name endpoints.submariner.io:
    // the broker's clusters/endpoints CRDs come with the Submariner operator, not from git, and
    // without discovery kubectl sends the resource with an empty group)
    const review = async (verb: string, group: string, resource: string): Promise<string> => {
      const ssar = JSON.stringify({ apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: { verb, group, resource, namespace: brokerNs } } });
      const r = await run(bin.kubectl, ['--kubeconfig=/dev/null', `--server=${set.plane(brokerCtx).cp.server}`, `--certificate-authority=${caFile}`, `--token=${token}`, 'create', '--validate=false', '-f', '-', '-o', 'jsonpath={.status.allowed}'], { input: ssar, timeoutMs: 30_000 });
      return r.code === 0 ? r.stdout.trim() : `error ${compact(r.stderr, 200)}`;
    };
    const allowed = await Promise.all(['clusters', 'endpoints'].map((res) => review('create', 'submariner.io', res)));
    const denied = await Promise.all([review('list', '', 'secrets'), review('create', '', 'pods')]);
    rep.check(stage, `${target}'s broker token may create clusters and endpoints.submariner.io in ${brokerNs}, not list Secrets or create Pods (SelfSubjectAccessReview)`,
      allowed.every((a) => a === 'true') && denied.every((d) => d === 'false'), `create clusters/endpoints: ${allowed.join('/')}, list secrets/create pods: ${denied.join('/')}`);
  }
}

async function argoPipeline(set: PlaneSet, tree: Tree, scope: Scope): Promise<Report> {
  const rep = new Report('[argo] ');
  const since = Date.now();
  const synced = await argoSync(set, tree, scope, { prune: false });
  rep.log(`Argo CD view (${ARGO_MANAGER}) applied in ${secs(Date.now() - since)}: ${synced.map((s) => `${s.region} ${s.objects.length} objects`).join(', ')}`);
  await Promise.all(synced.map((rs) => assertRegion(rep, `argo ${rs.region}`, set.plane(rs.region), rs, ARGO_MANAGER, since, { record: `argo ${rs.region}` })));
  await checkJoinCommands(rep, 'argo join', set);
  for (const rs of synced) await checkOperatorRbac(rep, `argo ${rs.region} rbac`, set.plane(rs.region).kube, rs.objects);
  for (const rs of synced) {
    const rw = await rewrites(set.plane(rs.region).kube, rs.objects);
    rep.note(`argo ${rs.region}`, `desired values the API server stores differently (what a client-side diff would show): ${rw.length}${rw.length ? `\n${indent(rw.slice(0, 15).join('\n'), '       ')}` : ''}`);
    rewritten.push(...rw.map((r) => `${rs.region} ${r}`));
  }
  rep.log(`argo pipeline done in ${secs(Date.now() - since)}`);
  return rep;
}

async function fluxPipeline(set: PlaneSet, tree: Tree, scope: Scope): Promise<Report> {
  const rep = new Report('[flux] ');
  const since = Date.now();
  const synced = await Promise.all(tree.regions.map((r) => fluxSync(set, tree, r)));
  rep.log(`Flux view (${FLUX_MANAGER}) applied in ${secs(Date.now() - since)}: ${synced.map((s) => `${s.region} ${s.objects.length} objects`).join(', ')}`);
  for (const s of synced) if (s.external.length) rep.note(`flux ${s.region}`, `not rendered (source outside this repository; the CRDs come from e2e/k8s/crds instead): ${s.external.join(', ')}`);
  await Promise.all(synced.map((rs) => assertRegion(rep, `flux ${rs.region}`, set.plane(rs.region), rs, FLUX_MANAGER, since, { record: `flux ${rs.region}` })));
  // Both tools on one cluster: Argo CD's apply over Flux's objects, without forcing, then Flux's view of it
  const first = tree.regions[0];
  const kube = set.plane(first).kube;
  const units = await argoUnits(tree, first, bin.kustomize, scope);
  const conflicts: string[] = [];
  let total = 0;
  for (const u of units) {
    const r = await syncUnit(kube, u, [], { prune: false, force: false });
    total += r.results.length;
    for (const x of r.results) if (!x.ok) conflicts.push(`${label(x.object)}: ${compact(x.message, 300)}`);
  }
  const d = await kube.diff(synced[0].objects, FLUX_MANAGER);
  rep.note(
    'flux+argo',
    `${first}: argocd-controller applied the same ${total} objects over kustomize-controller's, without --force-conflicts: ${conflicts.length} refused` +
      `${conflicts.length ? `\n${indent(conflicts.join('\n'), '       ')}` : ''}\n       then kubectl diff --server-side as kustomize-controller: ${d.code === 0 ? 'no diff' : `${d.objects.length} objects differ: ${d.objects.join(', ')}`}`,
  );
  crossTool.push(...conflicts, `kubectl diff as kustomize-controller after Argo CD's sync: ${d.code === 0 ? 'no diff' : d.objects.join(', ')}`);
  rep.log(`flux pipeline done in ${secs(Date.now() - since)}`);
  return rep;
}

/** Upgrade path: the previous release's tree, the current tree on top, then each fleet change and back. */
async function upgradePipeline(set: PlaneSet, current: Tree, previous: Tree, scope: Scope, clustersPath: string): Promise<Report> {
  const rep = new Report('[upgrade] ');
  const began = Date.now();
  let since = Date.now();
  const prev = await argoSync(set, previous, scope, { prune: false });
  for (const rs of prev) checkApplied(rep, `upgrade ${opt.previous} first install ${rs.region}`, rs.syncs.flatMap((s) => s.results));
  since = Date.now();
  const cur = await argoSync(set, current, scope, { prune: true });
  await Promise.all(cur.map((rs) => assertRegion(rep, `upgrade ${opt.previous} -> current ${rs.region}`, set.plane(rs.region), rs, ARGO_MANAGER, since)));
  upgrades.push({ change: `previous release ${opt.previous} -> current clusters/`, outcome: summarize(cur) });
  if (stages.has('changes')) await changesPipeline(rep, set, current, scope, clustersPath, (c) => c.addsRegion !== undefined || !ON_ARGO_SET.includes(c.id));
  rep.log(`upgrade pipeline done in ${secs(Date.now() - began)}`);
  return rep;
}

/** Changes run on the Argo CD set once its own stages are done (the rest on the upgrade set): two sets in parallel keep the run within its budget. */
const ON_ARGO_SET = ['add-broker', 'kafka-version', 'topic-rename', 'load-run'];

/** The baseline every change starts from: a synth of the user's fleet with the working tree's generator (once). */
let baseline: Promise<Tree | string> | undefined;
function baseTreeOnce(clustersPath: string): Promise<Tree | string> {
  baseline ??= synth(repo, join(work, 'trees', 'base'), undefined, clustersPath).then((b) => (b.ok ? new Tree('base', b.root, clustersPath) : b.message));
  return baseline;
}

/** Fleet changes on a set that holds the current tree: each applied on top, checked, and reverted. */
async function changesPipeline(rep: Report, set: PlaneSet, current: Tree, scope: Scope, clustersPath: string, pick: (c: Change) => boolean): Promise<void> {
  const began = Date.now();
  const base = await baseTreeOnce(clustersPath);
  if (!rep.check(`changes on ${set.name}`, 'synth of the fleet (working tree generator) succeeds', typeof base !== 'string', String(base))) return;
  const baseTree = base as Tree;
  const stale = await run('diff', ['-r', '-q', join(current.root, clustersPath), join(baseTree.root, clustersPath)]);
  if (stale.code !== 0) {
    rep.note(`changes on ${set.name}`, `clusters/ differs from a fresh synth (the generator is ahead of the committed tree): ${stale.stdout.split('\n').filter(Boolean).length} files; applying the fresh synth first`);
    const b = await argoSync(set, baseTree, scope, { prune: true });
    for (const rs of b) checkApplied(rep, `changes baseline ${set.name} ${rs.region}`, rs.syncs.flatMap((x) => x.results));
  }
  const fleet = loadFleet(existsSync(join(repo, 'fleet.yaml')) ? join(repo, 'fleet.yaml') : undefined);
  const wanted = opt.changes ? new Set(opt.changes.split(',')) : undefined;
  for (const change of fleetChanges(fleet).filter((c) => (!wanted || wanted.has(c.id)) && pick(c))) {
    const stage = `change ${change.id}`;
    const t = Date.now();
    rep.log(`${stage} (on the ${set.name} control planes): ${change.what}`);
    const topicsBefore = await kafkaTopics(set);
    const fwd = await transition(rep, stage, set, scope, baseTree, change.override, `${change.id}`, clustersPath, true);
    if (!fwd) {
      upgrades.push({ change: `${change.id}: ${change.what}`, outcome: 'synth refuses the fleet (validation)' });
      continue;
    }
    const topicsAfter = await kafkaTopics(set);
    const lost = [...topicsBefore].filter((x) => !topicsAfter.has(x));
    rep.check(stage, `no KafkaTopic deleted (now ${[...topicsAfter].join(', ')})`, lost.length === 0, `deleted: ${lost.join(', ')}`);
    // back to the baseline, as a revert of the pull request would (synth over the changed tree on disk)
    const back = await transition(rep, `${stage} revert`, set, scope, fwd.tree, undefined, `${change.id}-revert`, clustersPath, false);
    upgrades.push({ change: `${change.id}: ${change.what}`, outcome: `${fwd.outcome}\nrevert: ${back?.outcome ?? 'synth refuses the fleet'}` });
    // a region the change added leaves the fleet again: Argo CD deletes its Applications (preserveResourcesOnDeletion keeps the objects)
    if (change.addsRegion) for (const k of [...set.last.keys()]) if (k.startsWith(`${change.addsRegion}/`)) set.last.delete(k);
    rep.log(`${stage}: applied, checked and reverted in ${secs(Date.now() - t)}`);
  }
  rep.log(`changes on the ${set.name} control planes done in ${secs(Date.now() - began)}`);
}

/**
 * One fleet change as a user makes it: synth over the tree on disk (`from`, what GitOps applied);
 * when synth's guard refuses (a change the API server cannot make in place), synth again with
 * --allow-recreate and run the procedure it prints (its kubectl commands, against the region's
 * control plane) before the sync; then the Argo CD sync with prune, and the checks. The check
 * fails when the API server refuses what synth wrote (a failing sync that the guard missed).
 */
async function transition(rep: Report, stage: string, set: PlaneSet, scope: Scope, from: Tree, override: Obj | undefined, id: string, clustersPath: string, deep: boolean): Promise<{ tree: Tree; outcome: string } | undefined> {
  let s = await synth(repo, join(work, 'trees', id), override, clustersPath, { onto: from.root });
  const steps: string[] = [];
  let guard = '';
  if (!s.ok && !s.guard) {
    rep.check(stage, `synth refuses the fleet change: ${s.message}`, false, s.message);
    return undefined;
  }
  if (!s.ok) {
    guard = s.message;
    rep.check(stage, 'synth stops with one line naming the object and the procedure (immutable-change guard)', !s.message.includes('\n'), s.message);
    rep.note(stage, `guard: ${compact(s.message, 500)}`);
    s = await synth(repo, join(work, 'trees', `${id}-recreate`), override, clustersPath, { onto: from.root, allowRecreate: true });
    if (!rep.check(stage, `synth --allow-recreate writes the tree and lists ${s.recreate.length} objects to recreate`, s.ok && s.recreate.length > 0, s.message)) return undefined;
    for (const rc of s.recreate) {
      const cmd = /kubectl -n (\S+) delete (\S+) (\S+)( --cascade=orphan)?/.exec(rc.procedure);
      if (!cmd || !set.planes.has(rc.region)) {
        steps.push(`${rc.region} ${rc.kind} ${rc.namespace}/${rc.name}: not a command (${compact(rc.procedure, 160)}); synced as written`);
        continue;
      }
      const r = await set.plane(rc.region).kube.run(['-n', cmd[1], 'delete', cmd[2], cmd[3], ...(cmd[4] ? ['--cascade=orphan'] : []), '--wait=true', '--timeout=60s']);
      steps.push(`${rc.region}: ${cmd[0]} (${r.code === 0 ? 'done' : `failed: ${compact(r.stderr, 200)}`})`);
      rep.check(stage, `${rc.region}: procedure step \`${cmd[0]}\` runs`, r.code === 0, r.stderr);
    }
  }
  const tree = new Tree(id, s.root, clustersPath);
  const since = Date.now();
  const applied = await argoSync(set, tree, scope, { prune: true, oneCall: true });
  const refusals: string[] = [];
  await Promise.all(
    applied.map(async (rs) => {
      const st = `${stage} ${rs.region}`;
      const results = rs.syncs.flatMap((x) => x.results);
      const refused = results.filter((r) => !r.ok);
      for (const r of refused) refusals.push(`${rs.region} ${label(r.object)}: ${compact(r.message, 400)}`);
      rep.check(st, `${results.length - refused.length}/${results.length} objects accepted${guard ? ' after the procedure' : ''}`, refused.length === 0,
        `${refused.map((r) => `${label(r.object)}: ${compact(r.message)}`).join('\n')}\n=> ${guard ? 'the procedure synth prints does not make the sync pass' : 'a failing sync that synth did not stop: its guard must refuse this change against the committed tree (one line naming the object and the procedure), or the generator must handle it'}`);
      const warned = results.filter((r) => r.warnings.length);
      rep.check(st, 'no warnings', warned.length === 0, warned.map((r) => `${label(r.object)}: ${r.warnings.join(' | ')}`).join('\n'));
      for (const x of rs.syncs) {
        if (x.pruned.length) rep.note(st, `${x.unit.owner}: pruned ${x.pruned.map(label).join(', ')}`);
        if (x.kept.length) rep.note(st, `${x.unit.owner}: kept, pruning disabled (Argo CD: OutOfSync, requires pruning, until deleted by hand): ${x.kept.map(label).join(', ')}`);
        if (x.recreated.length) rep.note(st, `${x.unit.owner}: deleted and created again (Force=true,Replace=true): ${x.recreated.map(label).join(', ')}`);
      }
      // Pods and diff after the change (a revert returns to the state already checked)
      if (refused.length === 0 && deep) {
        await checkPods(rep, st, set.plane(rs.region).kube, rs.objects, since, 30_000);
        await checkNoDiff(rep, st, set.plane(rs.region).kube, rs.objects, ARGO_MANAGER);
      }
    }),
  );
  const outcome = [
    guard ? `synth refuses (guard): ${compact(guard, 300)}` : 'synth writes it',
    ...steps.map((x) => `procedure: ${x}`),
    refusals.length ? `REFUSED by the API server:\n${refusals.map((r) => `  ${r}`).join('\n')}` : summarize(applied),
  ].join('\n');
  return { tree, outcome };
}

function summarize(rs: readonly RegionSync[]): string {
  const n = rs.reduce((a, r) => a + r.objects.length, 0);
  const pruned = rs.flatMap((r) => r.syncs.flatMap((s) => s.pruned.map((p) => `${r.region} ${label(p)}`)));
  const kept = rs.flatMap((r) => r.syncs.flatMap((s) => s.kept.map((p) => `${r.region} ${label(p)}`)));
  const recreated = rs.flatMap((r) => r.syncs.flatMap((s) => s.recreated.map((p) => `${r.region} ${label(p)}`)));
  return [`accepted (${n} objects in ${rs.length} regions)`, pruned.length ? `pruned ${pruned.join(', ')}` : '', kept.length ? `kept (Prune=false) ${kept.join(', ')}` : '', recreated.length ? `recreated ${recreated.join(', ')}` : '']
    .filter(Boolean)
    .join('; ');
}

async function kafkaTopics(set: PlaneSet): Promise<Set<string>> {
  const out = new Set<string>();
  for (const p of set.planes.values()) {
    const r = await p.kube.json(['get', 'kafkatopics.kafka.strimzi.io', '--all-namespaces']);
    for (const t of r.items as Obj[]) out.add(`${p.region}:${t.metadata.namespace}/${t.metadata.name}`);
  }
  return out;
}

/**
 * Negative proof: the same apply and assertions on a copy of a region's tree with one rule broken
 * that only the API server checks; the run must fail, with the API server's message.
 */
async function negative(set: PlaneSet, tree: Tree, scope: Scope, injections: readonly Injection[], expectFailure: boolean): Promise<Report> {
  const rep = new Report(expectFailure ? '[negative] ' : '[inject] ');
  const region = tree.regions[0];
  const plane = set.plane(region);
  for (const inj of injections) {
    const units = await argoUnits(tree, region, bin.kustomize, scope);
    const injected = inj.apply(units.map((u) => u.objects));
    const target = injected.changed;
    const sub = new Report(`[negative ${inj.id}] `, { quiet: expectFailure });
    const since = Date.now();
    const syncs: SyncResult[] = [];
    for (let i = 0; i < units.length; i++) syncs.push(await syncUnit(plane.kube, { ...units[i], objects: injected.units[i] }, [], { prune: false }));
    const objects = syncs.flatMap((s) => s.unit.objects);
    await assertRegion(sub, `inject ${inj.id} ${region}`, plane, { region, syncs, objects }, ARGO_MANAGER, since, { podsTimeoutMs: 20_000 });
    await checkOperatorRbac(sub, `inject ${inj.id} ${region} rbac`, plane.kube, objects);
    const failures = sub.failed.map((c) => `${c.name}: ${c.detail}`).join('\n');
    if (expectFailure) {
      const ok = sub.failed.length > 0 && inj.expect.test(failures);
      rep.check('negative', `${inj.what} (${label(target)}): the harness fails (${sub.failed.length} checks) with the API server's message`, ok, failures || 'no check failed');
      const m = inj.expect.exec(failures);
      if (ok && m) rep.note('negative', `${inj.id}: ${compact(failures.slice(Math.max(0, m.index - 200), m.index + 200), 400)}`);
    } else rep.absorb(sub);
    // leave the plane as the current tree has it for the next injection. Without kubelets no Pod
    // gets available, so a rolling update never scales the injected ReplicaSet down: delete it
    // (it would go on retrying, with FailedCreate events, for ever)
    for (const u of units) await syncUnit(plane.kube, u, [], { prune: false });
    const rss = await plane.kube.json(['get', 'replicasets.apps', '--all-namespaces']);
    for (const rs of rss.items as Obj[]) {
      if (JSON.stringify(rs.spec?.template ?? {}).includes('"privileged":true')) await plane.kube.run(['-n', rs.metadata.namespace, 'delete', 'replicaset', rs.metadata.name, '--wait=true']);
    }
    await new Promise((r) => setTimeout(r, 3000));
  }
  return rep;
}

const upgrades: { change: string; outcome: string }[] = [];
const rewritten: string[] = [];
const crossTool: string[] = [];

async function main(): Promise<number> {
  mkdirSync(join(work, 'scratch'), { recursive: true });
  setTmpDir(join(work, 'scratch'));
  setPidFile(join(work, 'pids'));
  console.log(`k8s: work dir ${work}; kubernetes ${process.env.K8S_VERSION}, etcd ${process.env.ETCD_VERSION}, kustomize ${process.env.KUSTOMIZE_VERSION}; stages ${[...stages].join(',')}`);

  // the trees: the current one (a copy, so a concurrent synth cannot change it under the test) and the previous release's
  const fleetFile = existsSync(join(repo, 'fleet.yaml')) ? join(repo, 'fleet.yaml') : undefined;
  const clustersPath = loadFleet(fleetFile).gitops.path;
  cpSync(join(repo, 'clusters'), join(work, 'trees', 'current', clustersPath), { recursive: true });
  const current = new Tree('current', join(work, 'trees', 'current'), clustersPath);
  let previous: Tree | undefined;
  if (stages.has('upgrade')) {
    const dir = join(work, 'trees', 'previous');
    mkdirSync(dir, { recursive: true });
    await must('bash', ['-o', 'pipefail', '-c', `git -C '${repo}' archive --format=tar '${opt.previous}' clusters | tar -x -C '${dir}'`], { timeoutMs: 60_000 });
    previous = new Tree('previous', dir, 'clusters');
  }
  const regions = current.regions;
  console.log(`k8s: regions ${regions.join(', ')} (control cluster for clusters/argocd: ${regions[0]})`);

  // control planes: one set per purpose, all started at once
  const pki = join(work, 'pki');
  await makePki(pki);
  const sets: PlaneSet[] = [];
  const argo = stages.has('argo') ? new PlaneSet('argo', regions, pki) : undefined;
  const flux = stages.has('flux') ? new PlaneSet('flux', regions, pki) : undefined;
  const extra = stages.has('changes') ? fleetChanges(loadFleet(fleetFile)).map((c) => c.addsRegion).filter((r): r is string => !!r) : [];
  const upgrade = stages.has('upgrade') ? new PlaneSet('upgrade', [...regions, ...extra], pki) : undefined;
  for (const s of [argo, flux, upgrade]) if (s) sets.push(s);
  const planes = sets.flatMap((s) => [...s.planes.values()]);
  // ports first (distinct across planes), kubeconfigs, then each plane starts and gets its CRDs
  for (const p of planes) await p.cp.allocate();
  for (const s of sets) s.writeKubeconfig(pki);

  // CRDs from the committed copies (and the Route CRD from the pinned openshift/api module): the
  // stack's CRDs on every plane, Argo CD's on the Argo CD control clusters, Flux's where Flux runs
  const crdRoot = resolve(opt.crds ?? join(repo, 'e2e/k8s/crds'));
  const common = ['cert-manager', 'strimzi-0.45', 'submariner', 'prometheus-operator'].map((d) => join(crdRoot, d));
  if (opt['route-crd']) common.push(resolve(opt['route-crd']));
  const crdsFor = (set: PlaneSet, p: Plane): string[] => [
    ...common,
    ...(set.name !== 'flux' && p.region === regions[0] ? [join(crdRoot, 'argo-cd')] : []),
    ...(set.name === 'flux' ? [join(crdRoot, 'flux')] : []),
  ];
  const installCrds = async (s: PlaneSet, p: Plane): Promise<{ p: Plane; ok: boolean; out: string; n: number; ms: number }> => {
    const t = Date.now();
    const r = await p.kube.run(['apply', '--server-side', '--field-manager=k8s-e2e-crds', '-R', ...crdsFor(s, p).flatMap((f) => ['-f', f]), '-o', 'name'], { timeoutMs: 120_000, combined: true });
    // a CRD just created has no status yet (kubectl wait then fails at once): wait, bounded, until it has
    let w = await p.kube.run(['wait', '--for=condition=Established', 'crd', '--all', '--timeout=90s'], { timeoutMs: 100_000 });
    for (let i = 0; i < 20 && w.code !== 0 && /accessor error/.test(w.stderr); i++) {
      await new Promise((res) => setTimeout(res, 500));
      w = await p.kube.run(['wait', '--for=condition=Established', 'crd', '--all', '--timeout=90s'], { timeoutMs: 100_000 });
    }
    return { p, ok: r.code === 0 && w.code === 0, out: `apply exit ${r.code}: ${r.combined}\nwait exit ${w.code}: ${w.stdout}${w.stderr}`, n: r.combined.split('\n').filter((l) => l.startsWith('customresourcedefinition')).length, ms: Date.now() - t };
  };
  const t0 = Date.now();
  let startMs = 0;
  const crdResults = await Promise.all(
    sets.flatMap((s) =>
      [...s.planes.values()].map(async (p) => {
        await p.cp.start(Number(process.env.K8S_START_TIMEOUT_S ?? 150) * 1000);
        startMs = Math.max(startMs, Date.now() - t0);
        return installCrds(s, p);
      }),
    ),
  );
  const readyMs = Date.now() - t0;
  report.check('control planes', `${planes.length} control planes (etcd + kube-apiserver + kube-controller-manager) started in parallel, all ready in ${secs(startMs)}`, true);
  report.check('crds', `CRDs established on every plane, ${secs(readyMs)} after the start (${crdResults.map((c) => c.n).join('/')} per plane)`, crdResults.every((c) => c.ok), crdResults.filter((c) => !c.ok).map((c) => `${c.p.cp.spec.id}: ${compact(c.out, 2000)}`).join('\n'));
  const crdNames = (await planes[0].kube.run(['get', 'crd', '-o', 'name'])).stdout.split('\n').filter(Boolean).map((l) => l.replace(/^.*\//, ''));
  report.note('crds', `${regions[0]}: ${crdNames.join(' ')}`);
  const scope = await discoverScope(planes[0].kube);

  // what the tools' installs create before they sync: namespace argocd on the control cluster, flux-system everywhere Flux runs
  await Promise.all([
    ...[argo, upgrade].filter((s): s is PlaneSet => !!s).map((s) => must(bin.kubectl, [`--kubeconfig=${s.kubeconfig}`, `--context=${regions[0]}`, 'create', 'namespace', 'argocd'])),
    ...(flux ? regions.map((r) => must(bin.kubectl, [`--kubeconfig=${flux.kubeconfig}`, `--context=${r}`, 'create', 'namespace', 'flux-system'])) : []),
  ]);

  const pipelines: Promise<Report>[] = [];
  if (opt.inject) {
    const inj = INJECTIONS.find((i) => i.id === opt.inject);
    if (!inj) throw new Error(`--inject ${opt.inject}: one of ${INJECTIONS.map((i) => i.id).join(', ')}`);
    pipelines.push(
      (async () => {
        await argoSync(argo!, current, scope, { prune: false });
        return negative(argo!, current, scope, [inj], false);
      })(),
    );
  } else {
    if (argo)
      pipelines.push(
        argoPipeline(argo, current, scope).then(async (rep) => {
          if (stages.has('negative')) rep.absorb(await negative(argo, current, scope, INJECTIONS, true));
          if (stages.has('changes')) await changesPipeline(rep, argo, current, scope, clustersPath, (c) => c.addsRegion === undefined && ON_ARGO_SET.includes(c.id));
          return rep;
        }),
      );
    if (flux) pipelines.push(fluxPipeline(flux, current, scope));
    if (upgrade && previous) pipelines.push(upgradePipeline(upgrade, current, previous, scope, clustersPath));
  }
  for (const r of await Promise.all(pipelines)) report.absorb(r);

  // summary
  const wall = Date.now() - started;
  console.log('\n==== k8s summary ====');
  console.log(`build: ${process.env.K8S_BUILD_SECONDS ?? '?'} s (e2e/k8s/build.sh); control planes: ${planes.length} started in ${secs(startMs)}; CRDs: ${crdNames.length}`);
  for (const [k, f] of figures) console.log(`${k.padEnd(18)} objects ${String(f.objects).padStart(3)}  refused ${f.refused}  warnings ${f.warned}  pods ${f.pods}  diffs ${f.diffs}`);
  if (upgrades.length) {
    console.log('upgrades:');
    for (const u of upgrades) console.log(`  ${u.change}\n    ${u.outcome.split('\n').join('\n    ')}`);
  }
  console.log(`values the API server stores differently from Git (client-side diff): ${rewritten.length ? `\n  ${rewritten.join('\n  ')}` : 'none'}`);
  if (crossTool.length) console.log(`Argo CD over Flux on one cluster (no --force-conflicts):\n  ${crossTool.join('\n  ')}`);
  console.log('not applied: the add-ons\' Helm charts (cert-manager, Strimzi CRDs, Submariner operator, Reloader: no chart access offline) — their HelmRelease and Application objects are applied; no scheduler or kubelet: Pods are created and admitted, never run; health gates between waves/layers are not emulated');
  const failed = report.failed;
  if (failed.length) {
    console.log('failed checks:');
    for (const c of failed) console.log(`  ${c.stage}: ${c.name}\n${indent(c.detail.split('\n').slice(0, 12).join('\n'), '      ')}`);
  }
  const cpu = process.cpuUsage();
  console.log(`kubectl: ${kubectlStats.calls} calls (${secs(kubectlStats.ms)} summed); this program's own CPU ${secs((cpu.user + cpu.system) / 1000)}; load average at the end ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${cpus().length} cores`);
  console.log(`wall time ${secs(wall)}`);
  console.log(`k8s: ${report.passed} passed, ${failed.length} failed`);
  const hold = Number(process.env.K8S_HOLD_S ?? 0);
  if (hold > 0) {
    console.log(`k8s: holding the control planes for ${hold} s (K8S_HOLD_S): ${sets.map((s) => `KUBECONFIG=${s.kubeconfig}`).join(' ')}`);
    await new Promise((r) => setTimeout(r, hold * 1000));
  }
  return failed.length > 0 ? 1 : 0;
}

let exiting = false;
async function shutdown(code: number): Promise<never> {
  if (!exiting) {
    exiting = true;
    await stopServices(undefined, 3000).catch(() => undefined);
    if (!opt.keep) rmSync(work, { recursive: true, force: true });
    else console.log(`k8s: kept ${work}`);
  }
  process.exit(code);
}
process.on('exit', killAllNow);
process.on('SIGINT', () => void shutdown(130));
process.on('SIGTERM', () => void shutdown(143));
main().then(
  (code) => shutdown(code),
  (e: Error) => {
    console.error(`k8s: ${e.stack ?? e.message}`);
    console.log(`k8s: ${report.passed} passed, ${report.failed.length + 1} failed`);
    return shutdown(1);
  },
);
