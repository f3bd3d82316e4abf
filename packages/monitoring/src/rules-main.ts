import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dump } from 'js-yaml';
import { DEFAULT_FLEET, Fleet, KRAFT_DEFAULT_FLEET, MIGRATION_PHASES, defaultFleet, mergeOverride, validateFleet } from '@stretched-kafka/fleet';
import { AlertDefinition } from './alerts';
import { promtoolTests, ruleCases, ruleFile } from './rule-tests';

// npm run test:rules: the generated alerts under Prometheus' own `promtool`, for the reference
// fleet and a small one (one ZooKeeper and broker per region, 5 s scrapes), the same two in KRaft
// mode (controllers for ZooKeeper) and each phase of the migration: `promtool check
// rules` on the rule file as the PrometheusRules carry it, `promtool test rules` on the cases of
// rule-tests.ts, then each alert broken in turn (its first metric renamed, as an exporter rule
// change would) must make its own cases fail. Exit 1 on any failure.

const PROMTOOL = process.env.PROMTOOL ?? 'promtool';

const FLEETS: Array<[string, Fleet]> = [
  ['reference fleet', DEFAULT_FLEET],
  [
    'one ZooKeeper and broker per region, 5 s scrapes',
    validateFleet(mergeOverride(DEFAULT_FLEET, { regions: DEFAULT_FLEET.regions.map((r) => ({ ...r, zookeeperReplicas: 1, kafkaReplicas: 1 })), monitoring: { scrapeIntervalSeconds: 5 } })),
  ],
  ['KRaft reference fleet', validateFleet(KRAFT_DEFAULT_FLEET)],
  [
    'KRaft, one controller and broker per region, 5 s scrapes',
    validateFleet(mergeOverride(KRAFT_DEFAULT_FLEET, { regions: KRAFT_DEFAULT_FLEET.regions.map((r) => ({ ...r, controllerReplicas: 1, kafkaReplicas: 1 })), monitoring: { scrapeIntervalSeconds: 5 } })),
  ],
  ...MIGRATION_PHASES.map((phase): [string, Fleet] => [`migration phase ${phase}`, validateFleet(mergeOverride(defaultFleet('migration', phase), { metadata: { mode: 'migration', phase, clusterId: 'RVjbH_2RiLGMJv5TjVB-0g' } }))]),
];

function promtool(args: string[], cwd: string): { ok: boolean; out: string } {
  const r = spawnSync(PROMTOOL, args, { cwd, encoding: 'utf8' });
  if (r.error) {
    console.error(`test:rules: cannot run ${PROMTOOL}: ${r.error.message} (apt-get install prometheus ships promtool; PROMTOOL names another)`);
    process.exit(1);
  }
  return { ok: r.status === 0, out: `${r.stdout}${r.stderr}` };
}

function main(): number {
  let failures = 0;
  const check = (ok: boolean, line: string, detail = '') => {
    console.log(`test:rules: ${ok ? 'PASS' : 'FAIL'} ${line}`);
    if (!ok) {
      failures++;
      if (detail) console.log(detail.trimEnd().split('\n').slice(0, 40).map((l) => `    ${l}`).join('\n'));
    }
  };
  for (const [what, fleet] of FLEETS) {
    const dir = mkdtempSync(join(tmpdir(), 'stretched-kafka-rules-'));
    try {
      const cases = ruleCases(fleet);
      const write = (name: string, transform: (a: AlertDefinition) => AlertDefinition) => {
        const rules = ruleFile(fleet, transform) as { groups: Array<{ rules: Array<Record<string, unknown>> }> };
        // promtool compares annotations too; the cases check labels and timing, `check rules` the templates.
        for (const g of rules.groups) for (const r of g.rules) delete r.annotations;
        writeFileSync(join(dir, name), dump(rules, { lineWidth: -1 }));
      };
      writeFileSync(join(dir, 'rules.yaml'), dump(ruleFile(fleet), { lineWidth: -1 }));
      const checked = promtool(['check', 'rules', 'rules.yaml'], dir);
      check(checked.ok, `${what}: promtool check rules (${(ruleFile(fleet) as { groups: unknown[] }).groups.length} groups)`, checked.out);
      write('under-test.yaml', (a) => a);
      writeFileSync(join(dir, 'tests.yaml'), dump(promtoolTests(fleet, cases, 'under-test.yaml'), { lineWidth: -1 }));
      const tested = promtool(['test', 'rules', 'tests.yaml'], dir);
      check(tested.ok, `${what}: promtool test rules, ${cases.length} cases of ${new Set(cases.map((c) => c.alert)).size} alerts`, tested.out);
      // Deliberate breakage: each alert with its first metric renamed must fail its own cases.
      for (const alert of [...new Set(cases.filter((c) => !c.never).map((c) => c.alert))]) {
        write('broken.yaml', (a) => (a.alert === alert ? { ...a, expr: a.expr.replace(/\b([a-z_][a-z0-9_]*)\{/, '$1_renamed{') } : a));
        writeFileSync(join(dir, 'broken-tests.yaml'), dump(promtoolTests(fleet, cases, 'broken.yaml'), { lineWidth: -1 }));
        const broken = promtool(['test', 'rules', 'broken-tests.yaml'], dir);
        check(!broken.ok && broken.out.includes(`alertname: ${alert},`), `${what}: ${alert} with its metric renamed fails its cases`, broken.ok ? 'promtool passed' : broken.out);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  console.log(`test:rules: ${failures === 0 ? 'all passed' : `${failures} failed`}`);
  return failures === 0 ? 0 : 1;
}

process.exitCode = main();
