// What the API servers must have done with a synced region: every object accepted without a
// warning, the controllers' Pods created and admitted (PodSecurity), token Secrets filled, no
// diff right after the sync, and RBAC that gives the Strimzi operators what they need and no more.
import { Kube, ObjectResult } from './kube';
import { pool, sleep } from './proc';
import { Report } from './report';
import { Obj, keyOf, label } from './tree';

/** The API server's message in one readable piece: the huge `Invalid value: {...}` dumps of a pod template cut out. */
export function compact(message: string, max = 600): string {
  let m = message.replace(/\s+/g, ' ').trim();
  for (;;) {
    const i = m.indexOf('Invalid value: {');
    if (i < 0) break;
    let depth = 0;
    let j = i + 'Invalid value: '.length;
    for (; j < m.length; j++) {
      if (m[j] === '{') depth++;
      else if (m[j] === '}' && --depth === 0) break;
    }
    m = `${m.slice(0, i)}Invalid value: {…}${m.slice(j + 1)}`;
  }
  return m.length > max ? `${m.slice(0, max)}…` : m;
}

/** Every object accepted; every warning is a failure (PodSecurity "would violate" included). */
export function checkApplied(report: Report, stage: string, results: readonly ObjectResult[]): { refused: ObjectResult[]; warned: ObjectResult[] } {
  const refused = results.filter((r) => !r.ok);
  const warned = results.filter((r) => r.warnings.length > 0);
  report.check(
    stage,
    `${results.length - refused.length}/${results.length} objects accepted`,
    refused.length === 0,
    refused.map((r) => `${label(r.object)}: ${compact(r.message)}`).join('\n'),
  );
  report.check(stage, 'no warnings from the API server', warned.length === 0, warned.map((r) => `${label(r.object)}: ${r.warnings.map((w) => compact(w)).join(' | ')}`).join('\n'));
  return { refused, warned };
}

/** Pods the workload controllers create at once: StatefulSet/Deployment replicas, Job min(parallelism, completions). */
export function expectedPods(objs: readonly Obj[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const o of objs) {
    const ns = o.metadata?.namespace ?? 'default';
    if (o.kind === 'StatefulSet' || o.kind === 'Deployment') out.set(`${o.kind}/${ns}/${o.metadata.name}`, o.spec?.replicas ?? 1);
    if (o.kind === 'Job') {
      const par = o.spec?.parallelism ?? 1;
      const comp = o.spec?.completions ?? par;
      out.set(`Job/${ns}/${o.metadata.name}`, o.spec?.suspend ? 0 : Math.min(par, comp));
    }
  }
  return out;
}

/** The workload (StatefulSet, Deployment through its ReplicaSet, Job) a live Pod belongs to. */
function workloadOf(pod: Obj, replicaSets: Map<string, string>): string | undefined {
  const ref = (pod.metadata?.ownerReferences ?? []).find((r: Obj) => r.controller);
  if (!ref) return undefined;
  const ns = pod.metadata.namespace;
  if (ref.kind === 'ReplicaSet') {
    const dep = replicaSets.get(`${ns}/${ref.name}`);
    return dep ? `Deployment/${ns}/${dep}` : undefined;
  }
  return `${ref.kind}/${ns}/${ref.name}`;
}

export interface PodCount {
  readonly expected: number;
  readonly created: number;
  readonly perWorkload: Map<string, { expected: number; created: number }>;
  readonly failedCreate: string[];
}

/**
 * Waits (bounded) until the controllers created the expected Pods of the region's workloads (Pods
 * being deleted do not count), then collects FailedCreate events newer than `since` (PodSecurity
 * refusals show here).
 */
export async function countPods(kube: Kube, objs: readonly Obj[], since: number, timeoutMs: number): Promise<PodCount> {
  const want = expectedPods(objs);
  const expected = [...want.values()].reduce((a, b) => a + b, 0);
  const deadline = Date.now() + timeoutMs;
  let per = new Map<string, { expected: number; created: number }>();
  let created = 0;
  for (;;) {
    const [pods, rss, owners] = await Promise.all([
      kube.json(['get', 'pods', '--all-namespaces']),
      kube.json(['get', 'replicasets.apps', '--all-namespaces']),
      kube.json(['get', 'statefulsets.apps,deployments.apps,jobs.batch', '--all-namespaces']),
    ]);
    // owners by uid: a Pod of a Job deleted and created again (same name) belongs to the old one
    const live = new Set((owners.items as Obj[]).map((o) => String(o.metadata.uid)));
    const rsOwner = new Map<string, string>();
    for (const rs of rss.items as Obj[]) {
      const ref = (rs.metadata.ownerReferences ?? []).find((r: Obj) => r.kind === 'Deployment');
      if (ref && live.has(String(ref.uid))) live.add(String(rs.metadata.uid));
      if (ref) rsOwner.set(`${rs.metadata.namespace}/${rs.metadata.name}`, ref.name);
    }
    // every live Pod of the workload counts, whatever its revision: without kubelets no Pod gets
    // Ready, so a rolling update stops after its first new Pod (a refused one shows as FailedCreate)
    per = new Map([...want].map(([k, v]) => [k, { expected: v, created: 0 }]));
    for (const pod of pods.items as Obj[]) {
      if (pod.metadata.deletionTimestamp) continue;
      if (!(pod.metadata.ownerReferences ?? []).some((r: Obj) => r.controller && live.has(String(r.uid)))) continue;
      const w = workloadOf(pod, rsOwner);
      if (w && per.has(w)) per.get(w)!.created++;
    }
    created = [...per.values()].reduce((a, b) => a + b.created, 0);
    if ([...per.values()].every((p) => p.created >= p.expected) || Date.now() >= deadline) break;
    await sleep(1000);
  }
  // FailedCreate from a controller that still wants Pods of this tree: a ReplicaSet of one of its
  // Deployments that is not scaled to 0, or one of its StatefulSets or Jobs (matched by uid, so an
  // older object of the same name does not count). The event recorder may write an aggregated
  // event late, so a ReplicaSet already scaled away (an injected template reverted) is left out.
  const [events, rss, owners] = await Promise.all([
    kube.json(['get', 'events', '--all-namespaces', '--field-selector=reason=FailedCreate']),
    kube.json(['get', 'replicasets.apps', '--all-namespaces']),
    kube.json(['get', 'statefulsets.apps,deployments.apps,jobs.batch', '--all-namespaces']),
  ]);
  const wanting = new Set<string>();
  const deployments = new Map<string, string>();
  for (const o of owners.items as Obj[]) {
    const k = `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`;
    if (!want.has(k)) continue;
    if (o.kind === 'Deployment') deployments.set(String(o.metadata.uid), k);
    else wanting.add(String(o.metadata.uid));
  }
  for (const rs of rss.items as Obj[]) {
    const ref = (rs.metadata.ownerReferences ?? []).find((r: Obj) => r.kind === 'Deployment');
    if (ref && deployments.has(String(ref.uid)) && (rs.spec?.replicas ?? 0) > 0) wanting.add(String(rs.metadata.uid));
  }
  const failedCreate = [
    ...new Set(
      (events.items as Obj[])
        .filter((e) => wanting.has(String(e.involvedObject?.uid)))
        .filter((e) => Date.parse(e.lastTimestamp ?? e.eventTime ?? e.metadata?.creationTimestamp ?? 0) >= since - 1000)
        .map((e) => `${e.involvedObject?.kind} ${e.involvedObject?.namespace}/${e.involvedObject?.name}: ${compact(String(e.message), 400)}`),
    ),
  ];
  return { expected, created, perWorkload: per, failedCreate };
}

export async function checkPods(report: Report, stage: string, kube: Kube, objs: readonly Obj[], since: number, timeoutMs = 60_000): Promise<PodCount> {
  const c = await countPods(kube, objs, since, timeoutMs);
  const short = [...c.perWorkload].filter(([, v]) => v.created < v.expected).map(([k, v]) => `${k}: ${v.created}/${v.expected}`);
  report.check(stage, `controllers created ${c.created} Pods, ${c.expected} expected (${[...c.perWorkload].map(([k, v]) => `${k.split('/')[2]} ${v.created}`).join(', ')})`, short.length === 0, short.join('\n'));
  report.check(stage, 'no FailedCreate events (no Pod refused by admission)', c.failedCreate.length === 0, c.failedCreate.join('\n'));
  return c;
}

/** Namespaces that run workloads enforce the restricted Pod Security level (so admission above meant restricted). */
export async function checkRestricted(report: Report, stage: string, kube: Kube, objs: readonly Obj[]): Promise<void> {
  const nss = [...new Set(objs.filter((o) => ['StatefulSet', 'Deployment', 'Job'].includes(o.kind)).map((o) => String(o.metadata.namespace)))].sort();
  if (nss.length === 0) return;
  const live = await kube.json(['get', 'namespaces', ...nss]);
  const items: Obj[] = live.kind === 'List' ? live.items : [live];
  const bad = items.filter((n) => n.metadata.labels?.['pod-security.kubernetes.io/enforce'] !== 'restricted').map((n) => `${n.metadata.name}: enforce=${n.metadata.labels?.['pod-security.kubernetes.io/enforce'] ?? 'unset'}`);
  report.check(stage, `workload namespaces enforce Pod Security "restricted" (${nss.join(', ')})`, bad.length === 0, bad.join('\n'));
}

/** The service-account-token Secrets of the tree get their token from the token controller. */
export async function checkTokens(report: Report, stage: string, kube: Kube, objs: readonly Obj[], timeoutMs = 60_000): Promise<Obj[]> {
  const secrets = objs.filter((o) => o.kind === 'Secret' && o.type === 'kubernetes.io/service-account-token');
  if (secrets.length === 0) return [];
  const deadline = Date.now() + timeoutMs;
  let empty: string[] = [];
  let live: Obj[] = [];
  for (;;) {
    live = await Promise.all(secrets.map((s) => kube.json(['get', 'secret', s.metadata.name, '-n', s.metadata.namespace])));
    empty = live.filter((s) => !s.data?.token || !s.data?.['ca.crt']).map((s) => `${s.metadata.namespace}/${s.metadata.name}`);
    if (empty.length === 0 || Date.now() > deadline) break;
    await sleep(1000);
  }
  report.check(stage, `token controller filled ${secrets.length - empty.length}/${secrets.length} service-account-token Secrets (${secrets.map((s) => s.metadata.name).join(', ')})`, empty.length === 0, `still empty: ${empty.join(', ')}`);
  return live;
}

/** No perpetual diff: kubectl diff --server-side as the tool's manager shows nothing (exit 0). */
export async function checkNoDiff(report: Report, stage: string, kube: Kube, objs: readonly Obj[], manager: string): Promise<string[]> {
  const d = await kube.diff(objs, manager);
  const ok = d.code === 0;
  report.check(
    stage,
    `kubectl diff --server-side --field-manager=${manager}: ${ok ? 'no diff' : d.code === 1 ? `${d.objects.length} objects differ` : `failed (exit ${d.code})`} over ${objs.length} objects`,
    ok,
    d.code === 1 ? `${d.objects.join(', ')}\n${d.output.split('\n').filter((l) => /^[-+] /.test(l)).slice(0, 40).join('\n')}` : compact(d.output, 1500),
  );
  return d.objects;
}

/**
 * Desired values the API server stores differently (not defaults it adds: those SSA ignores):
 * what a client-side comparison of Git against the live object (Argo CD without server-side
 * diff) would flag. Reported, not failed: kubectl diff above is the check.
 */
export async function rewrites(kube: Kube, objs: readonly Obj[]): Promise<string[]> {
  const f = kube.file(objs, 'get');
  const r = await kube.run(['get', '-f', f, '-o', 'json']);
  if (r.code !== 0) return [`kubectl get -f: ${compact(r.stderr, 300)}`];
  const live = JSON.parse(r.stdout) as Obj;
  const items: Obj[] = live.kind === 'List' ? live.items : [live];
  const byKey = new Map(items.map((i) => [keyOf(i), i]));
  const out: string[] = [];
  const walk = (want: unknown, have: unknown, path: string, o: Obj): void => {
    if (want === null || typeof want !== 'object') {
      if (want !== have && String(want) !== String(have)) out.push(`${label(o)} ${path}: ${JSON.stringify(want)} stored as ${JSON.stringify(have)}`);
      return;
    }
    if (Array.isArray(want)) {
      if (!Array.isArray(have)) return void out.push(`${label(o)} ${path}: list stored as ${JSON.stringify(have)}`);
      want.forEach((w, i) => walk(w, have[i], `${path}[${i}]`, o));
      return;
    }
    if (have === null || typeof have !== 'object') {
      if (Object.keys(want as object).length > 0 || have !== undefined) out.push(`${label(o)} ${path}: object stored as ${JSON.stringify(have)}`);
      else out.push(`${label(o)} ${path}: {} not stored`);
      return;
    }
    for (const [k, v] of Object.entries(want as Obj)) walk(v, (have as Obj)[k], `${path}.${k}`, o);
  };
  for (const o of objs) {
    const l = byKey.get(keyOf(o));
    if (!l) continue;
    const { status: _s, ...want } = o;
    walk(want, l, '', o);
  }
  return out;
}

const ALL_VERBS = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'];

interface Need {
  readonly resource: string;
  readonly namespace: string;
  readonly verbs: readonly string[];
}

function envOf(dep: Obj, name: string): string | undefined {
  for (const c of dep.spec?.template?.spec?.containers ?? []) {
    for (const e of c.env ?? []) {
      if (e.name !== name) continue;
      if (e.value !== undefined) return String(e.value);
      if (e.valueFrom?.fieldRef?.fieldPath === 'metadata.namespace') return String(dep.metadata.namespace);
    }
  }
  return undefined;
}

/**
 * What Strimzi's standalone operators call, from their configuration (Strimzi 0.45: the
 * unidirectional Topic Operator reads and patches KafkaTopics and their status, and with
 * STRIMZI_USE_FINALIZERS updates finalizers; the User Operator reads KafkaUsers, writes their
 * status, owns the user Secrets of its namespace and reads its own TLS Secret from
 * STRIMZI_CA_NAMESPACE).
 */
function operatorNeeds(dep: Obj): Need[] | undefined {
  const run = String(dep.spec?.template?.spec?.containers?.[0]?.args?.join(' ') ?? '');
  const ns = envOf(dep, 'STRIMZI_NAMESPACE') ?? dep.metadata.namespace;
  if (run.includes('topic_operator')) {
    const needs: Need[] = [
      { resource: 'kafkatopics.kafka.strimzi.io', namespace: ns, verbs: ['get', 'list', 'watch', 'patch', 'update'] },
      { resource: 'kafkatopics.kafka.strimzi.io/status', namespace: ns, verbs: ['get', 'patch', 'update'] },
    ];
    if (envOf(dep, 'STRIMZI_USE_FINALIZERS') !== 'false') needs.push({ resource: 'kafkatopics.kafka.strimzi.io/finalizers', namespace: ns, verbs: ['update'] });
    return needs;
  }
  if (run.includes('user_operator')) {
    const needs: Need[] = [
      { resource: 'kafkausers.kafka.strimzi.io', namespace: ns, verbs: ['get', 'list', 'watch'] },
      { resource: 'kafkausers.kafka.strimzi.io/status', namespace: ns, verbs: ['get', 'patch', 'update'] },
      { resource: 'secrets', namespace: ns, verbs: ['get', 'list', 'watch', 'create', 'patch', 'update', 'delete'] },
    ];
    const caNs = envOf(dep, 'STRIMZI_CA_NAMESPACE');
    const caSecret = envOf(dep, 'STRIMZI_CLUSTER_CA_CERT_SECRET_NAME');
    if (caNs && caSecret) needs.push({ resource: `secrets/${caSecret}`, namespace: caNs, verbs: ['get'] });
    return needs;
  }
  return undefined;
}

/**
 * The Topic and User Operators' ServiceAccounts: can-i yes for everything they need, no for every
 * other verb on those resources, for Secrets anywhere else, for their resources in other
 * namespaces, for cluster-scoped resources and for RBAC or Pod creation.
 */
export async function checkOperatorRbac(report: Report, stage: string, kube: Kube, objs: readonly Obj[]): Promise<void> {
  const deps = objs.filter((o) => o.kind === 'Deployment' && operatorNeeds(o));
  if (deps.length === 0) return;
  const nsList = await kube.json(['get', 'namespaces']);
  const namespaces: string[] = (nsList.items as Obj[]).map((n) => String(n.metadata.name)).sort();
  for (const dep of deps) {
    const sa = dep.spec.template.spec.serviceAccountName ?? 'default';
    const user = `system:serviceaccount:${dep.metadata.namespace}:${sa}`;
    const needs = operatorNeeds(dep)!;
    const probes: { verb: string; resource: string; ns?: string; want: boolean }[] = [];
    // a need for a whole resource covers its named objects (secrets covers secrets/<name>)
    const granted = (verb: string, resource: string, ns: string): boolean =>
      needs.some((n) => n.namespace === ns && n.verbs.includes(verb) && (n.resource === resource || resource.startsWith(`${n.resource}/`)) && !/\/(status|finalizers)$/.test(resource));
    for (const n of needs) {
      for (const v of ALL_VERBS) probes.push({ verb: v, resource: n.resource, ns: n.namespace, want: n.verbs.includes(v) });
      // the same resource in every other namespace: nothing
      for (const other of namespaces.filter((x) => x !== n.namespace)) probes.push({ verb: n.verbs[0], resource: n.resource, ns: other, want: granted(n.verbs[0], n.resource, other) });
    }
    // Secrets: only where a need names them
    for (const ns of namespaces) {
      for (const v of ['get', 'list']) if (!needs.some((n) => n.namespace === ns && n.resource === 'secrets')) probes.push({ verb: v, resource: 'secrets', ns, want: false });
    }
    for (const [v, r] of [['list', 'namespaces'], ['get', 'nodes'], ['list', 'customresourcedefinitions.apiextensions.k8s.io'], ['list', 'clusterroles.rbac.authorization.k8s.io'], ['create', 'clusterrolebindings.rbac.authorization.k8s.io']]) {
      probes.push({ verb: v, resource: r, want: false });
    }
    for (const [v, r] of [['create', 'pods'], ['create', 'roles.rbac.authorization.k8s.io'], ['create', 'rolebindings.rbac.authorization.k8s.io'], ['create', 'serviceaccounts/token'], ['list', 'configmaps']]) {
      probes.push({ verb: v, resource: r, ns: dep.metadata.namespace, want: false });
    }
    const seen = new Set<string>();
    const unique = probes.filter((p) => {
      const k = `${p.verb} ${p.resource} ${p.ns ?? '*'}`;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
    // <resource>/status and /finalizers are subresources; <resource>/<name> is one object
    const split = (p: { resource: string }): { res: string; sub?: string; name?: string } => {
      const [res, rest] = p.resource.split('/');
      return rest === 'status' || rest === 'finalizers' || rest === 'token' ? { res, sub: rest } : { res, name: rest };
    };
    // what it needs: `kubectl auth can-i`, one call each; everything else: one batch of SubjectAccessReviews
    const needed = unique.filter((p) => p.want);
    const others = unique.filter((p) => !p.want);
    const yes = await pool(needed, 4, (p) => {
      const { res, sub, name } = split(p);
      return kube.canI(user, p.verb, name ? `${res}/${name}` : res, p.ns, sub).catch((e: Error) => e);
    });
    const saNs = String(dep.metadata.namespace);
    const denied = await kube
      .reviews(
        { namespace: saNs, name: sa },
        others.map((p) => {
          const { res, sub, name } = split(p);
          const [resource, ...group] = res.split('.');
          return { verb: p.verb, group: group.join('.'), resource, subresource: sub, name, namespace: p.ns };
        }),
      )
      .catch((e: Error) => e);
    const wrong: string[] = [];
    const answer = (p: (typeof unique)[number], a: boolean | Error): void => {
      if (a instanceof Error) wrong.push(`${p.verb} ${p.resource} -n ${p.ns ?? '(cluster)'}: ${a.message}`);
      else if (a !== p.want) wrong.push(`${p.verb} ${p.resource} ${p.ns ? `-n ${p.ns}` : '(cluster-wide)'}: ${a ? 'allowed' : 'denied'}, want ${p.want ? 'allowed' : 'denied'}`);
    };
    needed.forEach((p, i) => answer(p, yes[i]));
    if (denied instanceof Error) wrong.push(denied.message);
    else others.forEach((p, i) => answer(p, denied[i]));
    report.check(stage, `${user}: ${needed.length} needed permissions allowed (kubectl auth can-i), ${others.length} others denied (SubjectAccessReview)`, wrong.length === 0, wrong.join('\n'));
  }
}
