import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { DEFAULT_FLEET, Fleet, KRAFT, MIGRATION_PHASES, defaultFleet, mergeOverride, validateFleet } from '@stretched-kafka/fleet';
import { METRIC, jmxExporterConfig } from '@stretched-kafka/platform';
import { kafkaComponent, kafkaConfigData } from '@stretched-kafka/kafka';
import { zookeeperComponent, zookeeperConfigData } from '@stretched-kafka/zookeeper';
import { controllerConfigData, controllersComponent } from '@stretched-kafka/controllers';
import { alertsOf, dashboardJson, fleetAlerts, monitoringComponent, monitoringTimings, regionAlerts } from '../src';
import { promtoolTests, ruleCases } from '../src/rule-tests';
import { FAKE_KAFKA_STORAGE, bash, clone, find, kraftClone, reducedFleet, sandbox, synth } from '../../../test/helpers';

const repo = join(__dirname, '..', '..', '..');
const runbooks = readFileSync(join(repo, 'docs', 'runbooks.md'), 'utf8');
const fleetWith = (override: Record<string, unknown>): Fleet => validateFleet(mergeOverride(DEFAULT_FLEET, override));
const build = (chart: Parameters<typeof monitoringComponent.build>[0], fleet: Fleet, region: Fleet['regions'][number]) => monitoringComponent.build(chart, fleet, region);
const migrating = (phase: number): Fleet => validateFleet(mergeOverride(defaultFleet('migration', phase), { metadata: { mode: 'migration', phase, clusterId: 'RVjbH_2RiLGMJv5TjVB-0g' } }));
/** Every metadata state: ZooKeeper mode, the four migration phases, KRaft mode. */
const metadataFleets = (): [string, Fleet][] => [['zookeeper', clone()], ...MIGRATION_PHASES.map((p): [string, Fleet] => [`migration phase ${p}`, migrating(p)]), ['kraft', validateFleet(kraftClone())]];
const managementAlerts = (f: Fleet) => alertsOf(f, f.regions.find((r) => r.name === f.topic.managementRegion)!).map((a) => a.alert);

describe('monitoring component (default fleet)', () => {
  const fleet = clone();
  const objects = (r = fleet.regions[0]) => synth(build, fleet, r);

  it('matches the snapshot for the first region', () => {
    expect(objects()).toMatchSnapshot();
  });

  it('has PodMonitors that select the StatefulSets\' pods on their metrics port, labelled with region and component', () => {
    for (const r of fleet.regions) {
      for (const [component, comp] of [['kafka', kafkaComponent], ['zookeeper', zookeeperComponent]] as const) {
        const pm = find(objects(r), 'PodMonitor', component);
        const sts = find(synth(comp.build, fleet, r), 'StatefulSet', component);
        const podLabels = sts.spec.template.metadata.labels;
        for (const [k, v] of Object.entries(pm.spec.selector.matchLabels)) expect([k, podLabels[k]]).toEqual([k, v]);
        const [endpoint] = pm.spec.podMetricsEndpoints;
        const ports = sts.spec.template.spec.containers.flatMap((c: any) => c.ports ?? []);
        expect(ports).toContainEqual({ name: endpoint.port, containerPort: 9404, protocol: 'TCP' });
        expect(endpoint.relabelings).toEqual([
          { action: 'replace', targetLabel: 'region', replacement: r.name },
          { action: 'replace', targetLabel: 'component', replacement: component },
        ]);
        expect(endpoint.interval).toBe('30s');
      }
    }
  });

  it('puts the fleet-wide alerts in the management region only, each region\'s own alerts in every region', () => {
    for (const r of fleet.regions) {
      const groups = find(objects(r), 'PrometheusRule', 'stretched-kafka-alerts').spec.groups;
      const names = groups.map((g: any) => g.name);
      expect(names).toEqual(r.name === fleet.topic.managementRegion ? [`stretched-kafka-${r.name}`, 'stretched-kafka-fleet'] : [`stretched-kafka-${r.name}`]);
      for (const rule of groups[0].rules) if (rule.alert !== 'KafkaCertificateExpiresSoon') expect(rule.expr).toContain(`region="${r.name}"`);
    }
  });

  it('has a Grafana dashboard ConfigMap for the sidecar, every panel filtered by the region variable', () => {
    const cm = find(objects(), 'ConfigMap', 'stretched-kafka-dashboard');
    expect(cm.metadata.labels?.grafana_dashboard).toBe('1');
    const dashboard = JSON.parse(cm.data['stretched-kafka.json']);
    expect(dashboard.templating.list.map((v: any) => v.name)).toEqual(['datasource', 'region']);
    expect(dashboard.panels.length).toBeGreaterThan(8);
    for (const p of dashboard.panels) expect([p.title, p.targets[0].expr]).toEqual([p.title, expect.stringContaining('region=~"$region"')]);
  });
});

describe('alert rules', () => {
  const fleet = clone();
  // Every alert definition (before the metadata mode filters them), a migration phase's included.
  const all = [...regionAlerts(migrating(2), fleet.regions[0]), ...fleetAlerts(fleet)];

  it('cover what the issue lists, each with a severity, a runbook paragraph and fleet figures behind its thresholds', () => {
    expect(all.map((a) => a.alert).sort()).toEqual([
      'KRaftActiveControllerCount', 'KRaftMigrationStateUnexpected', 'KRaftQuorumAtLastMajority', 'KRaftQuorumLost',
      'KafkaActiveControllerCount', 'KafkaCertificateExpiresSoon', 'KafkaIsrFlapping', 'KafkaOfflinePartitions', 'KafkaRegionDown',
      'KafkaReplicationLagHigh', 'KafkaUnderMinIsrPartitions', 'KafkaUnderReplicatedPartitions', 'ZooKeeperQuorumAtLastMember', 'ZooKeeperQuorumLost',
    ]);
    for (const a of all) {
      expect([a.alert, ['critical', 'warning'].includes(a.severity)]).toEqual([a.alert, true]);
      expect([a.alert, runbooks.includes(`\n## ${a.alert}\n`)]).toEqual([a.alert, true]);
      expect([a.alert, a.derivedFrom.length > 0, a.forS > 0, a.firesWithinS >= a.forS]).toEqual([a.alert, true, true, true]);
    }
    // Every heading of the runbook page is an alert (no stale paragraph).
    expect([...runbooks.matchAll(/^## (\S+)$/gm)].map((m) => m[1]).sort()).toEqual(all.map((a) => a.alert).sort());
  });

  it('use only metrics the exporter rule set produces (or Prometheus and cert-manager\'s own)', () => {
    const produced = new Set<string>(Object.values(METRIC));
    const own = new Set(['up', 'certmanager_certificate_expiration_timestamp_seconds']);
    const used = [...all.map((a) => a.expr), dashboardJson(fleet)].flatMap((e) => [...e.matchAll(/\b([a-z_][a-z0-9_]*)\{/g)].map((m) => m[1]));
    for (const name of used) expect([name, produced.has(name) || own.has(name)]).toEqual([name, true]);
    // ... and every exported name is used somewhere (the rule set stays minimal).
    for (const name of produced) expect([name, used.includes(name)]).toEqual([name, true]);
    // The exporter's rule names produce those names (the `$1` alternatives lowercased, counters get _total).
    const rules = [jmxExporterConfig('kafka'), jmxExporterConfig('zookeeper'), jmxExporterConfig('kafka-controller')].flatMap((y) => (load(y) as any).rules);
    const names = rules.flatMap((r: any) => {
      const alt = /\((?:[A-Za-z]+\|)+[A-Za-z]+\)/.exec(r.pattern)?.[0];
      const names = r.name.includes('$1') && alt ? alt.slice(1, -1).split('|').map((n: string) => r.name.replace('$1', n).toLowerCase()) : [r.name];
      return names.map((n: string) => (r.type === 'COUNTER' ? `${n}_total` : n));
    });
    for (const name of produced) expect([name, names.includes(name)]).toEqual([name, true]);
  });

  it('derive thresholds from the fleet: the scrape interval, the RTT, the ensemble size and renewBefore move them', () => {
    const expr = (f: Fleet, alert: string) => [...regionAlerts(f, f.regions[0]), ...fleetAlerts(f)].find((a) => a.alert === alert)!;
    const base = monitoringTimings(fleet);
    expect(base).toMatchObject({ intervalS: 30, replicaLagS: 10, zookeeperSessionS: 18, zookeeperMembers: 9, zookeeperQuorum: 5, regions: 3, certificateMarginS: 648000 });

    const slowScrape = fleetWith({ monitoring: { scrapeIntervalSeconds: 60 } });
    expect(expr(slowScrape, 'KafkaRegionDown').forS).toBe(120);
    expect(expr(fleet, 'KafkaRegionDown').forS).toBe(60);

    const far = fleetWith({ network: { latencyMs: 400 } });
    expect(monitoringTimings(far).replicaLagS).toBeGreaterThan(base.replicaLagS);
    expect(expr(far, 'KafkaIsrFlapping').expr).not.toBe(expr(fleet, 'KafkaIsrFlapping').expr);
    expect(expr(far, 'KafkaReplicationLagHigh').forS).toBe(monitoringTimings(far).replicaLagS);

    const small = reducedFleet();
    expect(expr(small, 'ZooKeeperQuorumAtLastMember').expr).toContain(') == 2 and');
    expect(expr(fleet, 'ZooKeeperQuorumAtLastMember').expr).toContain(') == 5 and');
    expect(expr(fleetWith({ pki: { renewBefore: '24h' } }), 'KafkaCertificateExpiresSoon').expr).toContain('< 43200');

    // KRaft: the voters and the quorum timeouts (from the RTT) move the quorum alerts.
    const kraft = validateFleet(kraftClone());
    expect(monitoringTimings(kraft)).toMatchObject({ kraftVoters: 9, kraftMajority: 5, kraftFailoverS: 5, brokerLossS: 9 });
    expect(expr(kraft, 'KRaftQuorumAtLastMajority').expr).toContain(') == 5 and');
    expect(expr(kraft, 'KRaftQuorumLost').expr).toContain(') < 5 and');
    expect(expr(kraft, 'KRaftActiveControllerCount').forS).toBe(5 + 60);
    const oneEach = validateFleet(mergeOverride(kraft, { regions: kraft.regions.map((r) => ({ ...r, controllerReplicas: 1 })) }));
    expect(expr(oneEach, 'KRaftQuorumAtLastMajority').expr).toContain(') == 2 and');
    const farKraft = validateFleet(mergeOverride(kraft, { network: { latencyMs: 400 } }));
    expect(expr(farKraft, 'KRaftQuorumLost').forS).toBeGreaterThan(expr(kraft, 'KRaftQuorumLost').forS);
  });

  it('each have a firing case for npm run test:rules (promtool), timed in scrape intervals of the fleet', () => {
    // In every metadata state, exactly the alerts the fleet's rules carry have a firing case.
    for (const [what, f] of metadataFleets()) {
      const present = [...new Set(f.regions.flatMap((r) => alertsOf(f, r)).map((a) => a.alert))].sort();
      expect([what, [...new Set(ruleCases(f).filter((c) => !c.never).map((c) => c.alert))].sort()]).toEqual([what, present]);
    }
    const cases = ruleCases(fleet);
    const tests = promtoolTests(fleet, cases, 'rules.yaml') as any;
    expect(tests.evaluation_interval).toBe('30s');
    const urp = tests.tests.find((t: any) => t.name.startsWith('KafkaUnderReplicatedPartitions'));
    // Event at 150 s, for 60 s: silent at 180 s, firing at 210 s.
    expect(urp.alert_rule_test.map((a: any) => [a.eval_time, a.exp_alerts.length])).toEqual([['120s', 0], ['180s', 0], ['210s', 1]]);
  });

  it('guard the fleet-wide alerts by "this Prometheus sees every region"', () => {
    for (const a of fleetAlerts(fleet)) expect(a.expr).toMatch(/ and on \(\) \(count\(count by \(region\) \(up\{namespace="kafka", component="kafka"\}\)\) == 3\)$/);
    expect(alertsOf(fleet, fleet.regions[1]).every((a) => a.scope === 'region')).toBe(true);
  });
});

describe('monitoring.enabled: false', () => {
  const fleet = fleetWith({ monitoring: { enabled: false } });

  it('leaves out the layer, the metrics port, the agent and its NetworkPolicy rule', () => {
    for (const r of fleet.regions) {
      expect(synth(build, fleet, r)).toEqual([]);
      for (const [component, comp] of [['kafka', kafkaComponent], ['zookeeper', zookeeperComponent]] as const) {
        const objects = synth(comp.build, fleet, r);
        const ports = find(objects, 'StatefulSet', component).spec.template.spec.containers.flatMap((c: any) => c.ports ?? []);
        expect(ports.map((p: any) => p.containerPort)).not.toContain(9404);
        const np = find(objects, 'NetworkPolicy', component);
        expect(np.spec.ingress.flatMap((i: any) => i.ports.map((p: any) => p.port))).not.toContain(9404);
      }
      expect(Object.keys(kafkaConfigData(fleet, r))).not.toContain('metrics.yaml');
      expect(zookeeperConfigData(fleet, r)['start.sh']).not.toContain('METRICS_PORT=');
    }
  });

  it('leaves the KRaft controllers without the agent, its port, its ConfigMap key and its NetworkPolicy rule', () => {
    const kraft = validateFleet(mergeOverride(kraftClone(), { monitoring: { enabled: false } }));
    for (const r of kraft.regions) {
      expect(synth(build, kraft, r)).toEqual([]);
      const objects = synth(controllersComponent.build, kraft, r);
      const ports = find(objects, 'StatefulSet', KRAFT.name).spec.template.spec.containers.flatMap((c: any) => c.ports ?? []);
      expect(ports.map((p: any) => p.name)).toEqual(['controller']);
      const np = find(objects, 'NetworkPolicy', KRAFT.name);
      expect(np.spec.ingress.flatMap((i: any) => i.ports.map((p: any) => p.port))).toEqual([KRAFT.controllerPort]);
      const data = controllerConfigData(kraft, r);
      expect(Object.keys(data)).not.toContain('metrics.yaml');
      expect(data['start.sh']).not.toContain('METRICS_PORT=');
    }
  });
});

describe('monitoring fleet settings', () => {
  it('admits the platform\'s Prometheus namespace, or the one set', () => {
    const np = (f: Fleet) => find(synth(kafkaComponent.build, f, f.regions[0]), 'NetworkPolicy', 'kafka').spec.ingress.at(-1).from[0];
    expect(np(clone())).toEqual({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'openshift-user-workload-monitoring' } } });
    expect(np(fleetWith({ platform: 'kubernetes', akhq: { exposure: 'ingress' } }))).toEqual({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } });
    expect(np(fleetWith({ monitoring: { prometheusNamespace: 'observability' } }))).toEqual({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'observability' } } });
  });

  it.each([
    ['a zero scrape interval', { monitoring: { scrapeIntervalSeconds: 0 } }, /^fleet: monitoring\.scrapeIntervalSeconds = 0: must be a whole number from 1 to 300/],
    ['a plain-http runbook page', { monitoring: { runbookUrl: 'http://wiki/runbooks' } }, /^fleet: monitoring\.runbookUrl = "http:\/\/wiki\/runbooks": must be an https:\/\/ URL/],
    ['a namespace that is no DNS label', { monitoring: { prometheusNamespace: 'Monitoring' } }, /^fleet: monitoring\.prometheusNamespace = "Monitoring": must be a DNS-1123 label/],
  ])('refuses %s with one line', (_what, override, message) => {
    expect(() => validateFleet(mergeOverride(DEFAULT_FLEET, override))).toThrow(message);
  });
});

describe('the JMX exporter agent in start.sh', () => {
  const fleet = clone();
  const kraft = validateFleet(kraftClone());
  const FAKE = { ...FAKE_KAFKA_STORAGE, 'kafka-server-start.sh': 'echo "KAFKA_OPTS=$KAFKA_OPTS"', 'zookeeper-server-start.sh': 'echo "KAFKA_OPTS=$KAFKA_OPTS"' };
  const cases = [
    ['kafka', kafkaConfigData(fleet, fleet.regions[0]), 'kafka-0'],
    ['zookeeper', zookeeperConfigData(fleet, fleet.regions[0]), 'zookeeper-0'],
    ['kafka-controller', controllerConfigData(kraft, kraft.regions[0]), 'kafka-controller-0'],
  ] as const;
  // The controller's start.sh formats its storage first (the fake kafka-storage.sh prints a line).
  const lastLine = (out: string) => out.trim().split('\n').at(-1);

  it.each(cases)('%s: runs the image\'s agent on port 9404 with the generated rule set', (_c, data, pod) => {
    const { dir, env } = sandbox(data, FAKE);
    const r = bash(join(dir, 'cfg/start.sh'), { ...env, HOSTNAME: pod, CERT_WATCH_SECONDS: '0' });
    expect(r.stderr).toBe('');
    expect(lastLine(r.stdout)).toBe(`KAFKA_OPTS=-javaagent:${dir}/jmx/jmx_prometheus_javaagent-0.0.0.jar=9404:${dir}/cfg/metrics.yaml`);
    expect(data['start.sh']).toContain('JMX_EXPORTER_HOME="${JMX_EXPORTER_HOME:-/opt/prometheus-jmx-exporter}"');
  });

  it.each(cases)('%s: METRICS_PORT=0 starts without it, a missing jar stops the pod with one line', (_c, data, pod) => {
    const { dir, env } = sandbox(data, FAKE);
    const off = bash(join(dir, 'cfg/start.sh'), { ...env, HOSTNAME: pod, CERT_WATCH_SECONDS: '0', METRICS_PORT: '0' });
    expect(lastLine(off.stdout)).toBe('KAFKA_OPTS=');
    const missing = bash(join(dir, 'cfg/start.sh'), { ...env, HOSTNAME: pod, CERT_WATCH_SECONDS: '0', JMX_EXPORTER_HOME: join(dir, 'nowhere') });
    expect(missing.status).toBe(1);
    expect(missing.stderr).toBe(`start: no jmx_prometheus_javaagent*.jar in ${dir}/nowhere\n`);
  });
});

describe('monitoring component in KRaft mode', () => {
  const fleet = validateFleet(kraftClone());
  const management = fleet.regions.find((r) => r.name === fleet.topic.managementRegion)!;

  it('has no ZooKeeper PodMonitor and no ZooKeeper or broker-controller alert (no such pods or metric exist), the KRaft alerts instead', () => {
    for (const r of fleet.regions) {
      const objects = synth(build, fleet, r);
      expect(objects.filter((o) => o.kind === 'PodMonitor').map((o) => o.metadata.name)).toEqual(['kafka-controller', 'kafka']);
    }
    const names = alertsOf(fleet, management).map((a) => a.alert);
    expect(names).toEqual(expect.arrayContaining(['KafkaRegionDown', 'KRaftActiveControllerCount', 'KRaftQuorumAtLastMajority', 'KRaftQuorumLost']));
    expect(names.filter((n) => n.startsWith('ZooKeeper') || n === 'KafkaActiveControllerCount' || n === 'KRaftMigrationStateUnexpected')).toEqual([]);
  });

  it('keeps them in ZooKeeper mode, without a KRaft alert or controller PodMonitor', () => {
    const zk = clone();
    const names = managementAlerts(zk);
    expect(names).toEqual(expect.arrayContaining(['ZooKeeperQuorumLost', 'ZooKeeperQuorumAtLastMember', 'KafkaActiveControllerCount']));
    expect(names.filter((n) => n.startsWith('KRaft'))).toEqual([]);
    for (const r of zk.regions) expect(synth(build, zk, r).filter((o) => o.kind === 'PodMonitor').map((o) => o.metadata.name)).toEqual(['zookeeper', 'kafka']);
  });

  it('scrapes the controllers as the brokers: the agent in start.sh, metrics.yaml, the named port, the NetworkPolicy rule, a PodMonitor', () => {
    for (const r of fleet.regions) {
      const controllers = synth(controllersComponent.build, fleet, r);
      const sts = find(controllers, 'StatefulSet', KRAFT.name);
      const pm = find(synth(build, fleet, r), 'PodMonitor', KRAFT.name);
      for (const [k, v] of Object.entries(pm.spec.selector.matchLabels)) expect([k, sts.spec.template.metadata.labels[k]]).toEqual([k, v]);
      const [endpoint] = pm.spec.podMetricsEndpoints;
      expect(sts.spec.template.spec.containers[0].ports).toContainEqual({ name: endpoint.port, containerPort: 9404, protocol: 'TCP' });
      expect(endpoint.relabelings).toContainEqual({ action: 'replace', targetLabel: 'component', replacement: KRAFT.name });
      const data = controllerConfigData(fleet, r);
      expect(data['metrics.yaml']).toBe(jmxExporterConfig('kafka-controller'));
      expect(data['start.sh']).toContain('METRICS_PORT="${METRICS_PORT:-9404}"');
      expect(data['start.sh']).toContain('JMX_EXPORTER_HOME="${JMX_EXPORTER_HOME:-/opt/prometheus-jmx-exporter}"');
      const brokers = find(synth(kafkaComponent.build, fleet, r), 'NetworkPolicy', 'kafka').spec.ingress.at(-1);
      expect(find(controllers, 'NetworkPolicy', KRAFT.name).spec.ingress).toContainEqual(brokers);
    }
  });

  it('reads offline partitions and the active controller where the metadata mode reports them, the migration state in migration phases only', () => {
    const offline = (f: Fleet) => regionAlerts(f, f.regions[0]).find((a) => a.alert === 'KafkaOfflinePartitions')!.expr;
    const state = (f: Fleet) => regionAlerts(f, f.regions[0]).find((a) => a.alert === 'KRaftMigrationStateUnexpected')?.expr;
    const reads: Record<string, [string, string | undefined]> = {};
    for (const [what, f] of metadataFleets()) reads[what] = [/component=~?"([^"]+)"/.exec(offline(f))![1], state(f)?.replace(/^.*\}/, '')];
    expect(reads).toEqual({
      zookeeper: ['kafka', undefined],
      'migration phase 1': ['kafka|kafka-controller', ' != 2)'],
      'migration phase 2': ['kafka|kafka-controller', ' != 2 != 1)'],
      'migration phase 3': ['kafka-controller', ' != 1)'],
      'migration phase 4': ['kafka-controller', ' != 1 != 3)'],
      kraft: ['kafka-controller', undefined],
    });
    // Region down counts every stateful pod the region runs; the dashboard reads the controller gauges where they are.
    const down = (f: Fleet) => fleetAlerts(f).find((a) => a.alert === 'KafkaRegionDown')!;
    expect(down(clone()).expr).toContain('component=~"kafka|zookeeper"}');
    expect(down(migrating(2)).expr).toContain('component=~"kafka|zookeeper|kafka-controller"}');
    expect(down(validateFleet(kraftClone()))).toMatchObject({ expr: expect.stringContaining('component=~"kafka|kafka-controller"}'), summary: 'Region {{ $labels.region }}: no broker and no KRaft controller answers' });
    const panels = (f: Fleet) => JSON.parse(dashboardJson(f)).panels.map((p: any) => [p.title, p.targets[0].expr]);
    expect(panels(validateFleet(kraftClone()))).toEqual(expect.arrayContaining([
      ['Active controller (by region)', expect.stringContaining('component="kafka-controller"')],
      ['Offline partitions', expect.stringContaining('component="kafka-controller"')],
      ['KRaft voters by Raft state', expect.stringContaining(`${METRIC.raftState}{`)],
    ]));
    expect(panels(clone()).map((p: string[]) => p[0])).not.toContain('KRaft voters by Raft state');
    for (const [what, f] of metadataFleets()) {
      const names = managementAlerts(f);
      expect([what, names.includes('KRaftQuorumLost'), names.includes('ZooKeeperQuorumLost')]).toEqual([what, what !== 'zookeeper', !['kraft', 'migration phase 4'].includes(what)]);
    }
  });
});
