import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dump } from 'js-yaml';
import { AlertDefinition, alertsOf, monitoringTimings, promDuration } from '@stretched-kafka/monitoring';
import { Harness, NodeRun } from './harness';
import { log } from './log';
import { Host } from './net';
import { run, running, sleep, startService, waitFor } from './proc';
import { round } from './report';
import { K8sObject, TreeObject } from './tree';

// The alerts stage: Debian's `prometheus` in the management region's network, scraping every
// broker's and ZooKeeper member's JMX exporter agent with a scrape configuration derived from the
// generated PodMonitors, evaluating the generated PrometheusRules. Checks, through its HTTP API:
// every target up and every metric an alert reads present for every pod (a renamed metric cannot
// pass silently), every rule evaluating without error, no alert pending or firing in the steady
// state before the cut; after the cut the region-down alert of the cut region and the
// under-replication alert fire within the bound the rules promise (alerts.ts firesWithinS), and
// every alert resolves within the evaluation pipeline after the restore (region down) and after
// the ISRs are full again (everything else). Prints the alert timeline, t = 0 at the cut.

const PORT = 9090;
const POLL_MS = 1000;
/** ZooKeeper's longest wait between election notifications (zookeeper.fastleader.maxNotificationInterval, default 60 s): how long after the restore a cut member may take to serve again. */
const ZOOKEEPER_REJOIN_S = 60;

/** A PodMonitor's scrape job as the Prometheus Operator would generate it, with the pods the harness runs as its targets. */
export interface ScrapeJob {
  readonly jobName: string;
  readonly region: string;
  readonly component: string;
  readonly targets: { readonly node: NodeRun; readonly address: string }[];
  readonly config: Record<string, unknown>;
}

/** The Prometheus this stage runs (set by startPrometheus). */
export interface PrometheusRun {
  readonly host: Host;
  readonly jobs: readonly ScrapeJob[];
  readonly intervalS: number;
  readonly alerts: readonly AlertDefinition[];
}

/** The object's `spec` as a plain record. */
function spec(o: K8sObject): Record<string, unknown> {
  return (o.spec ?? {}) as Record<string, unknown>;
}

/** Prometheus' relabel_config field names for the PodMonitor's camelCase ones. */
function relabelConfig(r: Record<string, unknown>): Record<string, unknown> {
  const names: Record<string, string> = { sourceLabels: 'source_labels', targetLabel: 'target_label', action: 'action', replacement: 'replacement', regex: 'regex', separator: 'separator', modulus: 'modulus' };
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(r)) {
    if (!names[k]) throw new Error(`PodMonitor relabeling field ${k} is not translated by e2e/src/prometheus.ts`);
    out[names[k]] = v;
  }
  return out;
}

/**
 * One scrape job per PodMonitor endpoint, as the Prometheus Operator derives it: the pods of the
 * StatefulSet in the PodMonitor's namespace whose pod labels match its selector, on the container
 * port its endpoint names, with the Kubernetes service-discovery labels the Operator's relabelling
 * reads (written as static labels here: the harness's pods are known) turned into `namespace`,
 * `container`, `pod`, `job` and `endpoint`, then the PodMonitor's own relabelings.
 */
export function scrapeJobs(h: Harness): ScrapeJob[] {
  const nodes = [...h.zookeepers, ...h.controllers, ...h.brokers];
  const jobs: ScrapeJob[] = [];
  for (const pm of h.tree.all('PodMonitor')) {
    const { region } = pm;
    const namespace = pm.object.metadata.namespace!;
    const s = spec(pm.object);
    const match = (s.selector as { matchLabels: Record<string, string> }).matchLabels;
    const sets = h.tree.all('StatefulSet', region).filter((o: TreeObject) => {
      const podLabels = ((spec(o.object).template as { metadata?: { labels?: Record<string, string> } }).metadata?.labels ?? {}) as Record<string, string>;
      return o.object.metadata.namespace === namespace && Object.entries(match).every(([k, v]) => podLabels[k] === v);
    });
    if (sets.length !== 1) throw new Error(`${pm.file}: its selector matches ${sets.length} StatefulSets in ${region}, expected 1`);
    const sts = sets[0].object;
    const template = spec(sts).template as { metadata: { labels: Record<string, string> }; spec: { containers: { name: string; ports?: { name?: string; containerPort: number }[] }[] } };
    for (const [i, ep] of (s.podMetricsEndpoints as Record<string, unknown>[]).entries()) {
      const container = template.spec.containers.find((c) => c.ports?.some((p) => p.name === ep.port));
      const port = container?.ports?.find((p) => p.name === ep.port)?.containerPort;
      if (!container || port === undefined) throw new Error(`${pm.file}: no container of StatefulSet ${sts.metadata.name} has a port named ${String(ep.port)}`);
      const pods = nodes.filter((n) => n.node.region.name === region && new RegExp(`^${sts.metadata.name}-\\d+$`).test(n.node.pod));
      if (pods.length === 0) throw new Error(`${pm.file}: the harness runs no pod of StatefulSet ${sts.metadata.name} in ${region}`);
      const podLabels = Object.fromEntries(Object.entries(template.metadata.labels).map(([k, v]) => [`__meta_kubernetes_pod_label_${k.replace(/[^a-zA-Z0-9_]/g, '_')}`, v]));
      const targets = pods.map((node) => ({ node, address: `${node.host.ip}:${port}` }));
      const jobName = `podMonitor/${region}/${namespace}/${pm.object.metadata.name}/${i}`;
      const relabelings = ((ep.relabelings ?? []) as Record<string, unknown>[]).map(relabelConfig);
      const component = relabelings.find((r) => r.target_label === 'component')?.replacement;
      jobs.push({
        jobName,
        region,
        component: typeof component === 'string' ? component : sts.metadata.name,
        targets,
        config: {
          job_name: jobName,
          honor_labels: false,
          scrape_interval: ep.interval,
          scrape_timeout: ep.scrapeTimeout,
          metrics_path: ep.path ?? '/metrics',
          scheme: ep.scheme ?? 'http',
          static_configs: targets.map((t) => ({
            targets: [t.address],
            labels: {
              __meta_kubernetes_namespace: namespace,
              __meta_kubernetes_pod_name: t.node.node.pod,
              __meta_kubernetes_pod_container_name: container.name,
              __meta_kubernetes_pod_container_port_name: String(ep.port),
              ...podLabels,
            },
          })),
          relabel_configs: [
            { source_labels: ['__meta_kubernetes_namespace'], target_label: 'namespace' },
            { source_labels: ['__meta_kubernetes_pod_container_name'], target_label: 'container' },
            { source_labels: ['__meta_kubernetes_pod_name'], target_label: 'pod' },
            { target_label: 'job', replacement: `${namespace}/${pm.object.metadata.name}` },
            { target_label: 'endpoint', replacement: String(ep.port) },
            ...relabelings,
          ],
        },
      });
    }
  }
  return jobs;
}

/** Every PrometheusRule group of the tree (each region's own, the management region's fleet group), as one rules file. */
export function ruleGroups(h: Harness): { name: string; interval?: string; rules: Record<string, unknown>[] }[] {
  const groups = h.tree.all('PrometheusRule').flatMap((o) => (spec(o.object).groups ?? []) as { name: string; interval?: string; rules: Record<string, unknown>[] }[]);
  const names = groups.map((g) => g.name);
  if (new Set(names).size !== names.length) throw new Error(`the PrometheusRules repeat a group name (${names.join(', ')}): one Prometheus cannot load them together`);
  return groups;
}

/** The management region's Prometheus, if the stage runs at all (a log line says why not). */
export function prometheusWanted(h: Harness): boolean {
  if (!h.fleet.monitoring.enabled) {
    log('prometheus: skipped: monitoring.enabled is false in the fleet (no agents, no PodMonitors, no rules)');
    return false;
  }
  if (process.env.E2E_ALERTS === '0') {
    log('prometheus: skipped (E2E_ALERTS=0)');
    return false;
  }
  return true;
}

async function api(h: Harness, p: PrometheusRun, path: string, query?: string): Promise<unknown> {
  const args = ['curl', '-sS', '--fail', '--max-time', '5', ...(query === undefined ? [] : ['-G', '--data-urlencode', `query=${query}`]), `http://127.0.0.1:${PORT}${path}`];
  const res = await run(h.net.exec(p.host, args), { timeoutMs: 10_000 });
  const body = JSON.parse(res.stdout) as { status: string; data: unknown; error?: string };
  if (body.status !== 'success') throw new Error(`${path}: ${body.error ?? body.status}`);
  return body.data;
}

/** Writes the configuration and rules, starts Prometheus in the management region and waits until every target is up. */
export async function startPrometheus(h: Harness): Promise<PrometheusRun | undefined> {
  if (!prometheusWanted(h) || !h.prometheusHost) return undefined;
  const f = h.fleet;
  const dir = join(h.s.work, 'prometheus');
  mkdirSync(join(dir, 'data'), { recursive: true });
  const jobs = scrapeJobs(h);
  const groups = ruleGroups(h);
  const intervalS = f.monitoring.scrapeIntervalSeconds;
  const interval = promDuration(intervalS);
  writeFileSync(join(dir, 'rules.yaml'), dump({ groups }, { lineWidth: -1, noRefs: true }));
  writeFileSync(join(dir, 'prometheus.yaml'), dump({ global: { scrape_interval: interval, scrape_timeout: interval, evaluation_interval: interval }, rule_files: ['rules.yaml'], scrape_configs: jobs.map((j) => j.config) }, { lineWidth: -1, noRefs: true }));
  const checked = await run(['promtool', 'check', 'config', join(dir, 'prometheus.yaml')], { timeoutMs: 30_000, allowFail: true });
  h.report.check('promtool check config: the scrape configuration derived from the PodMonitors and the rules file from the PrometheusRules', checked.code === 0, `${checked.stdout}${checked.stderr}`.trim().split('\n').slice(-3).join(' | '));
  if (checked.code !== 0) return undefined;
  const host = h.prometheusHost;
  const service = startService(
    'prometheus',
    h.net.exec(host, ['prometheus', `--config.file=${join(dir, 'prometheus.yaml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=0.0.0.0:${PORT}`, '--storage.tsdb.retention.time=1d']),
    { PATH: process.env.PATH },
    join(h.s.work, 'logs', 'prometheus.log'),
  );
  const alerts = f.regions.flatMap((r) => alertsOf(f, r));
  const p: PrometheusRun = { host, jobs, intervalS, alerts };
  const targets = jobs.reduce((n, j) => n + j.targets.length, 0);
  const up = await waitFor(`Prometheus to scrape all ${targets} targets`, 90_000, 2000, async () => {
    if (!running(service)) throw new Error(`prometheus exited (code ${service.child.exitCode}); log: ${service.logFile}`);
    const data = (await api(h, p, '/api/v1/targets')) as { activeTargets: { health: string }[] };
    return data.activeTargets.length === targets && data.activeTargets.every((t) => t.health === 'up') ? data.activeTargets.length : undefined;
  }).catch((e: Error) => e);
  h.report.check(`Prometheus (in ${host.region}) scrapes all ${targets} pods the PodMonitors select, every one up`, typeof up === 'number', up instanceof Error ? up.message : '');
  log(`prometheus: in ${host.region} (${host.ip}:${PORT}), ${jobs.length} scrape jobs from the PodMonitors (${jobs.map((j) => `${j.jobName}: ${j.targets.length}`).join(', ')}), every ${interval}; ${groups.length} rule groups, ${alerts.length} alerts`);
  return typeof up === 'number' ? p : undefined;
}

/** Metric name and the component its matcher selects, for every series selector of an expression. */
export function selectors(expr: string): { metric: string; components: string[] }[] {
  const out: { metric: string; components: string[] }[] = [];
  for (const m of expr.matchAll(/\b([a-zA-Z_:][a-zA-Z0-9_:]*)\{([^}]*)\}/g)) {
    const exact = /component="([^"]+)"/.exec(m[2])?.[1];
    const regex = /component=~"([^"]+)"/.exec(m[2])?.[1];
    out.push({ metric: m[1], components: exact ? [exact] : regex ? regex.split('|') : [] });
  }
  return out;
}

/**
 * Steady state, just before the load: every rule loaded and evaluating without error, and every
 * metric an alert reads present for every pod of the component its selector names (a metric the
 * agent no longer exports, or an expression reading a renamed one, fails here by name).
 */
export async function checkSteadyState(h: Harness, p: PrometheusRun): Promise<void> {
  const rules = (await api(h, p, '/api/v1/rules')) as { groups: { name: string; rules: { name: string; health: string; lastError?: string; query: string }[] }[] };
  const loaded = rules.groups.flatMap((g) => g.rules);
  const unhealthy = loaded.filter((r) => r.health !== 'ok');
  h.report.check(`Prometheus loaded all ${p.alerts.length} generated alerts and every one evaluates without error`, loaded.length === p.alerts.length && unhealthy.length === 0, `${loaded.length} rules loaded; ${unhealthy.map((r) => `${r.name}: ${r.health} ${r.lastError ?? ''}`).join('; ')}`);
  const wanted = new Map<string, Set<string>>();
  for (const r of loaded) {
    for (const s of selectors(r.query)) {
      if (s.components.length === 0) continue; // not about the harness's pods (cert-manager's metrics)
      for (const c of s.components) wanted.set(`${s.metric}\t${c}`, new Set());
    }
  }
  const missing: string[] = [];
  for (const key of wanted.keys()) {
    const [metric, component] = key.split('\t');
    const pods = p.jobs.filter((j) => j.component === component).flatMap((j) => j.targets.map((t) => t.node.node.region.name + '/' + t.node.node.pod));
    const data = (await api(h, p, '/api/v1/query', `count by (region, pod) (${metric}{component="${component}"})`)) as { result: { metric: { region: string; pod: string } }[] };
    const found = new Set(data.result.map((x) => `${x.metric.region}/${x.metric.pod}`));
    const absent = pods.filter((x) => !found.has(x));
    if (pods.length === 0 || absent.length) missing.push(`${metric} (${component}): ${pods.length === 0 ? 'no pod of that component' : `missing for ${absent.join(', ')}`}`);
  }
  h.report.check(`every metric the alerts read is present for every pod (${wanted.size} metric/component pairs over ${p.jobs.reduce((n, j) => n + j.targets.length, 0)} pods)`, missing.length === 0, missing.join('; '));
  log(`prometheus: ${wanted.size} metric/component pairs the alerts read, ${missing.length} missing${missing.length ? `: ${missing.join('; ')}` : ''}`);
}

interface AlertState {
  readonly key: string;
  readonly alert: string;
  readonly region?: string;
  /** Prometheus' activeAt (when the expression first held), ms. */
  activeAt?: number;
  pendingSeenAt?: number;
  firingSeenAt?: number;
  resolvedSeenAt?: number;
}

/** Polls /api/v1/alerts every second from the load start until stopped: the alert timeline. */
export class AlertWatcher {
  /** Every activation seen, in order (an alert that resolves and comes back is a new one). */
  readonly all: AlertState[] = [];
  private readonly current = new Map<string, AlertState>();
  private stopped = false;
  private polls = 0;
  private errors = 0;
  private readonly loop: Promise<void>;

  constructor(
    private readonly h: Harness,
    readonly p: PrometheusRun,
    readonly startedAt = Date.now(),
  ) {
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const at = Date.now();
      try {
        const data = (await api(this.h, this.p, '/api/v1/alerts')) as { alerts: { labels: Record<string, string>; state: string; activeAt: string }[] };
        this.polls++;
        const active = new Set<string>();
        for (const a of data.alerts) {
          const key = `${a.labels.alertname}${a.labels.region ? `{region=${a.labels.region}}` : ''}`;
          active.add(key);
          let s = this.current.get(key);
          if (!s || s.resolvedSeenAt !== undefined) {
            s = { key, alert: a.labels.alertname, region: a.labels.region };
            this.current.set(key, s);
            this.all.push(s);
          }
          s.activeAt ??= Date.parse(a.activeAt);
          if (a.state === 'pending') s.pendingSeenAt ??= at;
          if (a.state === 'firing') s.firingSeenAt ??= at;
        }
        for (const s of this.current.values()) if (!active.has(s.key) && s.resolvedSeenAt === undefined) s.resolvedSeenAt = at;
      } catch {
        this.errors++;
      }
      await sleep(Math.max(0, POLL_MS - (Date.now() - at)));
    }
  }

  /** Alerts active at any poll before `t`. */
  activeBefore(t: number): AlertState[] {
    return this.all.filter((s) => (s.activeAt ?? Infinity) < t || (s.pendingSeenAt ?? Infinity) < t || (s.firingSeenAt ?? Infinity) < t);
  }

  /** Waits until every alert seen so far that `awaited` accepts has resolved, or `deadline` (ms) passes. */
  async settle(deadline: number, awaited: (s: AlertState) => boolean): Promise<void> {
    while (Date.now() < deadline && this.unresolved().some(awaited)) await sleep(POLL_MS);
  }

  unresolved(): AlertState[] {
    return this.all.filter((s) => s.resolvedSeenAt === undefined);
  }

  async stop(): Promise<{ polls: number; errors: number }> {
    this.stopped = true;
    await this.loop;
    return { polls: this.polls, errors: this.errors };
  }
}

/** Starts the watcher when the load starts (the steady-state window runs to the cut). */
export async function watchAlerts(h: Harness, p: PrometheusRun | undefined): Promise<AlertWatcher | undefined> {
  if (!p) return undefined;
  await checkSteadyState(h, p);
  await settle(h, p);
  return new AlertWatcher(h, p);
}

/**
 * The steady state begins once no alert is active: a stage before the cut (the certificate
 * rotation restarts ZooKeeper members one at a time, so ZooKeeperQuorumAtLastMember holds while
 * one is down) may leave an alert that resolves within ZooKeeper's rejoin time and the evaluation
 * pipeline. Waits that long at most; an alert still active then stays in the steady-state check,
 * which fails on it.
 */
async function settle(h: Harness, p: PrometheusRun): Promise<void> {
  const t = monitoringTimings(h.fleet);
  const limitMs = (ZOOKEEPER_REJOIN_S + 4 * t.intervalS) * 1000;
  const start = Date.now();
  for (;;) {
    const data = (await api(h, p, '/api/v1/alerts')) as { alerts: { labels: Record<string, string>; state: string }[] };
    const active = data.alerts.map((a) => `${a.labels.alertname}${a.labels.region ? `{${a.labels.region}}` : ''} ${a.state}`);
    if (active.length === 0) {
      if (Date.now() - start > POLL_MS) log(`prometheus: no alert active any more ${round((Date.now() - start) / 1000)} s after the load stage began`);
      return;
    }
    if (Date.now() - start >= limitMs) return log(`prometheus: still active after ${limitMs / 1000} s: ${active.join(', ')}`);
    if (Date.now() - start < POLL_MS) log(`prometheus: waiting up to ${limitMs / 1000} s for ${active.join(', ')} (left by an earlier stage) to resolve`);
    await sleep(POLL_MS);
  }
}

/** The promise of an alert (alerts.ts): its `for` and the bound from the event to firing. */
function definition(p: PrometheusRun, alert: string): AlertDefinition {
  const d = p.alerts.find((a) => a.alert === alert);
  if (!d) throw new Error(`no generated alert ${alert}`);
  return d;
}

/**
 * The checks and the timeline, once the producers have finished and the ISRs are full again
 * (`isrAt`; an Error when they never were): waits for the alerts to resolve within their bound first.
 */
export async function alertChecks(h: Harness, w: AlertWatcher | undefined, cut: { region: string; cutAt: number; restoredAt: number }, isrAt: number | Error): Promise<void> {
  if (!w) return;
  const p = w.p;
  const t = monitoringTimings(h.fleet);
  // Resolution: the signal is gone at the event; one scrape, one evaluation and one interval of
  // scrape timing (the pipeline alerts.ts allows) until the alert is inactive.
  const resolveS = 4 * t.intervalS;
  const poll = POLL_MS / 1000;
  const isrBack = typeof isrAt === 'number' ? Math.max(isrAt, cut.restoredAt) : cut.restoredAt;
  // When each alert's signal is gone again: the cut pods answer scrapes at the restore; a ZooKeeper
  // member that was cut off serves again once its election finds the leader, which ZooKeeper's
  // election back-off (zookeeper.fastleader.maxNotificationInterval, 60 s by default) can delay
  // that long after the restore; everything about partitions once every ISR is full again.
  // KafkaIsrFlapping counts shrinks over its window (flapWindowS): the cut's shrinks, all before the
  // restore, leave it only that long after; beyond the watch, so it is listed and not awaited.
  const clearedAt = (alert: string): { at: number; event: string } =>
    alert === 'KafkaRegionDown'
      ? { at: cut.restoredAt, event: 'the restore' }
      : alert.startsWith('ZooKeeper')
        ? { at: cut.restoredAt + ZOOKEEPER_REJOIN_S * 1000, event: `the restore + ${ZOOKEEPER_REJOIN_S} s (ZooKeeper's election back-off)` }
        : alert === 'KafkaIsrFlapping'
          ? { at: cut.restoredAt + t.flapWindowS * 1000, event: `the restore + ${t.flapWindowS} s (the rule's window)` }
          : { at: isrBack, event: 'every ISR was full again' };
  const watchEnd = Math.max(isrBack, cut.restoredAt + ZOOKEEPER_REJOIN_S * 1000) + (resolveS + poll) * 1000;
  const awaited = (s: AlertState) => clearedAt(s.alert).at + (resolveS + poll) * 1000 <= watchEnd;
  await w.settle(watchEnd, awaited);
  const { polls, errors } = await w.stop();
  const rel = (ms: number | undefined) => (ms === undefined ? undefined : round((ms - cut.cutAt) / 1000));

  const before = w.activeBefore(cut.cutAt);
  const steadyS = round((cut.cutAt - w.startedAt) / 1000);
  h.report.check(`no alert pending or firing in the steady state (the ${steadyS} s of load before the cut)`, before.length === 0, before.map((s) => `${s.key} active at ${rel(s.activeAt)} s`).join(', '));

  const fired = (alert: string, pick: (s: AlertState) => boolean, what: string) => {
    const d = definition(p, alert);
    const candidates = w.all.filter((s) => s.alert === alert && pick(s) && (s.activeAt ?? 0) >= cut.cutAt);
    const s = candidates.sort((a, b) => (a.firingSeenAt ?? Infinity) - (b.firingSeenAt ?? Infinity))[0];
    const firingS = rel(s?.firingSeenAt);
    const pendingS = rel(s?.activeAt);
    const bound = round(d.firesWithinS + poll);
    h.report.check(
      `${alert}${what} went pending (+${pendingS ?? 'n/a'} s) then firing (+${firingS ?? 'n/a'} s) within the bound the rule promises: ${d.firesWithinS} s after the cut (${d.derivedFrom.join(', ')}; for ${promDuration(d.forS)}) + ${poll} s polling`,
      s !== undefined && pendingS !== undefined && firingS !== undefined && pendingS <= firingS && firingS <= bound,
      s ? `pending at ${pendingS} s, firing seen at ${firingS ?? 'never'} s, bound ${bound} s` : 'never pending or firing',
    );
    return s;
  };
  const regionDown = fired('KafkaRegionDown', (s) => s.region === cut.region, `{region=${cut.region}}`);
  const underReplicated = fired('KafkaUnderReplicatedPartitions', (s) => s.region !== cut.region, ' (a surviving region)');

  const resolvedBy = (s: AlertState | undefined, eventAt: number, event: string) => {
    const atS = s?.resolvedSeenAt === undefined ? undefined : round((s.resolvedSeenAt - eventAt) / 1000);
    h.report.check(
      `${s?.key ?? 'the alert'} resolved within ${resolveS} s (4 evaluation intervals) + ${poll} s polling after ${event}`,
      s !== undefined && atS !== undefined && atS <= resolveS + poll,
      s ? `resolved ${atS === undefined ? 'never' : `${atS} s`} after ${event}` : 'it never fired',
    );
  };
  resolvedBy(regionDown, cut.restoredAt, 'the restore');
  if (typeof isrAt === 'number') resolvedBy(underReplicated, isrAt, 'every ISR was full again');
  const notAwaited = w.all.filter((s) => (s.activeAt ?? 0) >= cut.cutAt && !awaited(s));
  if (notAwaited.length) log(`alerts: not awaited (they clear after the watch ends): ${notAwaited.map((s) => `${s.key} clears by ${clearedAt(s.alert).event}`).join('; ')}`);
  const late = w.all.filter((s) => (s.activeAt ?? 0) >= cut.cutAt && awaited(s) && (s.resolvedSeenAt === undefined || s.resolvedSeenAt > clearedAt(s.alert).at + (resolveS + poll) * 1000));
  h.report.check(
    `every alert of the cut resolved within ${resolveS} s + ${poll} s polling of its signal clearing (region down: the restore; ZooKeeper: the restore + ${ZOOKEEPER_REJOIN_S} s; partitions: the ISR recovery; KafkaIsrFlapping, ${t.flapWindowS} s after the restore, not awaited)`,
    late.length === 0,
    late.map((s) => `${s.key} ${s.resolvedSeenAt === undefined ? 'still active' : `resolved ${round((s.resolvedSeenAt - clearedAt(s.alert).at) / 1000)} s after ${clearedAt(s.alert).event}`}`).join(', '),
  );

  // The timeline, t = 0 at the cut.
  const events: { t: number; line: string }[] = [
    { t: 0, line: `cut of ${cut.region}` },
    { t: rel(cut.restoredAt)!, line: `restore of ${cut.region}` },
    ...(typeof isrAt === 'number' ? [{ t: rel(isrAt)!, line: 'every partition back to a full ISR (kafka-topics --describe)' }] : []),
  ];
  for (const s of w.all) {
    if (s.activeAt !== undefined) events.push({ t: rel(s.activeAt)!, line: `${s.key} pending (Prometheus' activeAt)` });
    if (s.firingSeenAt !== undefined) events.push({ t: rel(s.firingSeenAt)!, line: `${s.key} firing` });
    if (s.resolvedSeenAt !== undefined) events.push({ t: rel(s.resolvedSeenAt)!, line: `${s.key} resolved` });
  }
  events.sort((a, b) => a.t - b.t);
  const timeline = events.map((e) => `${`${e.t >= 0 ? '+' : ''}${e.t.toFixed(1)}`.padStart(7)} s  ${e.line}`);
  h.report.figures.alerts = {
    intervalS: t.intervalS,
    polls,
    pollErrors: errors,
    steadyStateS: steadyS,
    regionDownFiringS: rel(regionDown?.firingSeenAt),
    regionDownBoundS: definition(p, 'KafkaRegionDown').firesWithinS,
    underReplicatedFiringS: rel(underReplicated?.firingSeenAt),
    underReplicatedBoundS: definition(p, 'KafkaUnderReplicatedPartitions').firesWithinS,
    timeline,
  };
  log(`alerts: timeline (t = 0 at the cut; Prometheus scrapes and evaluates every ${t.intervalS} s, polled every ${poll} s)`);
  for (const l of timeline) log(`alerts:   ${l}`);
}
