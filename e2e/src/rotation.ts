import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KAFKA, TLS, ZOOKEEPER, loadConsumerGroup } from '@stretched-kafka/fleet';
import { adminCertificate, trustBundleData } from '@stretched-kafka/certificates';
import { Harness, NodeRun } from './harness';
import { Producer, Summary, consume, lastJson, loadArgs, startProducer } from './load';
import { log } from './log';
import { relaunch } from './nodes';
import { Ca, CertificateSpec } from './pki';
import { Result, run, running, sh, sleep } from './proc';
import { HANDSHAKE_REFUSED, attempt, outputOf, tail } from './trust';
import { round } from './report';

// The rotation stage (E2E_ROTATE=leaf), before the region cut: while producers write from two
// regions and a consumer reads in the third, every leaf certificate is issued again with a new key
// (cert-manager's rotationPolicy: Always; same subjects and SANs) and each Secret volume is
// updated the way the kubelet does it (secrets.ts). Nothing else is touched: what reloads is what
// the generated pods run, the brokers' reload-tls sidecar (reload.ts) and ZooKeeper's certificate
// watcher in its start.sh, with the intervals the tree gives them. The harness plays the kubelet
// for ZooKeeper, whose watcher ends the member so that its container restarts in place.
//
// Checks: every broker logs its reload, keeps its PID and serves the new certificate on both
// listeners (openssl s_client); every ZooKeeper member restarts once, one at a time, and serves
// the new certificate on its client port; a majority of the ensemble serves throughout (a leader
// election is allowed, shorter than the brokers' ZooKeeper session timeout; from the members' logs); producers and the
// consumer end without a failed request (retries allowed); every acknowledged record is read
// back in order.

interface Event {
  readonly at: number;
  readonly what: string;
}

/** One ZooKeeper restart as the harness's kubelet saw it. */
interface Restart {
  readonly member: NodeRun;
  readonly exitedAt: number;
  readonly code: number | null;
  servingAt?: number;
}

/** The generated certificate-watch timing (the scripts' defaults) or the E2E_CERT_* overrides. */
function timing(h: Harness): { watchS: number; staggerS: number } {
  const script = readFileSync(join(h.zookeepers[0].env.CONFIG_DIR!, 'start.sh'), 'utf8');
  const generated = (name: string) => {
    const m = new RegExp(`${name}="\\$\\{${name}:-(\\d+)\\}"`).exec(script);
    if (!m) throw new Error(`ZooKeeper's generated start.sh sets no default for ${name}`);
    return Number(m[1]);
  };
  return { watchS: h.s.certWatchS ?? generated('CERT_WATCH_SECONDS'), staggerS: h.s.certStaggerS ?? generated('CERT_RESTART_STAGGER_SECONDS') };
}

/** A broker's listeners: the Secret whose certificate each presents, and a client certificate to ask with. */
function brokerEndpoints(h: Harness): { port: number; secret: string; clientDir: string }[] {
  const mgmt = h.fleet.topic.managementRegion;
  return [
    { port: KAFKA.replicationPort, secret: TLS.kafka.secret, clientDir: h.pki.secretDir(mgmt, TLS.admin.secret) },
    { port: KAFKA.clientPort, secret: TLS.kafkaClients.secret, clientDir: h.pki.secretDir(mgmt, TLS.producer.secret) },
  ];
}

/** New lines of a log file since `from` bytes (the harness reads the logs the way an operator tails them). */
function linesSince(file: string, from: number): string[] {
  try {
    return readFileSync(file).subarray(from).toString('utf8').split('\n');
  } catch {
    return [];
  }
}

/**
 * ZooKeeper's own account of when a member served: its `Peer state changed` log lines (serving =
 * `following - broadcast` or `leading - broadcast`; anything else, `looking` or the phases of
 * joining, is not), with the log's millisecond timestamps. A probe from outside would also count
 * a member too slow to answer on a loaded machine as down.
 */
function servingChanges(file: string): { at: number; serving: boolean }[] {
  const out: { at: number; serving: boolean }[] = [];
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return out;
  }
  for (const m of text.matchAll(/^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d),(\d{3}) .*Peer state changed: ([a-z -]+?) \(/gm)) {
    out.push({ at: new Date(`${m[1]}T${m[2]}.${m[3]}`).getTime(), serving: / - broadcast$/.test(m[4]) });
  }
  return out;
}

/** The longest time in [from, to] during which fewer than `majority` members served, from their logs and the exits the kubelet saw. */
function longestGapMs(members: readonly NodeRun[], restarts: readonly Restart[], majority: number, from: number, to: number): number {
  const events = members.flatMap((m, i) => [
    ...servingChanges(m.service!.logFile).map((c) => ({ ...c, i })),
    ...restarts.filter((r) => r.member === m).map((r) => ({ at: r.exitedAt, serving: false, i })),
  ]);
  events.sort((a, b) => a.at - b.at);
  const state = members.map(() => false);
  let gapMs = 0;
  let gapStart: number | undefined;
  const count = () => state.filter(Boolean).length;
  for (const e of events) {
    state[e.i] = e.serving;
    if (e.at < from) continue;
    if (e.at > to) break;
    if (count() < majority) gapStart ??= e.at;
    else if (gapStart !== undefined) {
      gapMs = Math.max(gapMs, e.at - gapStart);
      gapStart = undefined;
    }
  }
  if (gapStart !== undefined) gapMs = Math.max(gapMs, to - gapStart);
  return gapMs;
}

/** When a restarted member served again (its first broadcast state after the exit), from its log. */
function servingAgainAt(r: Restart): number | undefined {
  return servingChanges(r.member.service!.logFile).find((c) => c.serving && c.at > r.exitedAt)?.at;
}

function size(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

/** One change of the rotation: what it swaps into the volumes, and what every endpoint must serve after it. */
interface Step {
  /** Prefix of its checks: `rotation` (leaf) or `ca rotation step N`. */
  readonly label: string;
  /** Issues what the step needs (slow) and returns the swap of the volumes (fast), with a line for the timeline. */
  prepare(): { publish: () => void; what: string };
  /** The subject of the CA every served certificate must be issued by after this step. */
  issuer(): string;
  /** Checks run once the step has settled (the CA stage's old-CA probe). */
  after?(): Promise<void>;
}

/** The serial and the issuer of the certificate a TLS server presents (openssl s_client from the management region's client namespace). */
async function served(h: Harness, host: string, port: number, tlsDir: string): Promise<{ serial?: string; issuer?: string }> {
  const client = h.clients.get(h.fleet.topic.managementRegion)!;
  const cmd = `openssl s_client -connect ${host}:${port} -servername ${host} -cert ${tlsDir}/tls.crt -key ${tlsDir}/tls.key -CAfile ${tlsDir}/ca.crt </dev/null 2>/dev/null | openssl x509 -noout -serial -issuer -nameopt RFC2253`;
  const res = await run(h.net.exec(client, ['bash', '-c', cmd]), { timeoutMs: 20_000, allowFail: true });
  return { serial: /serial=([0-9A-F]+)/.exec(res.stdout)?.[1], issuer: /issuer=(.+)/.exec(res.stdout)?.[1]?.trim() };
}

function subjectOf(crt: string): string {
  return sh(['openssl', 'x509', '-noout', '-subject', '-nameopt', 'RFC2253', '-in', crt]).trim().replace(/^subject=/, '');
}

/** The stage's steps: one leaf re-issue (E2E_ROTATE=leaf), or the three of a CA rotation with an overlap (E2E_ROTATE=ca). */
function stepsOf(h: Harness, dir: string, note: (what: string, at?: number) => void): Step[] {
  const f = h.fleet;
  const stackRef = { kind: 'Issuer', name: f.pki.internal.issuerName };
  if (h.s.rotate === 'leaf') {
    return [{ label: 'rotation', prepare: () => ({ publish: h.pki.reissue(), what: `re-issued ${h.pki.issued.length} certificates with new keys (same subjects and SANs)` }), issuer: () => subjectOf(h.pki.ca(stackRef).crt) }];
  }
  // The trust bundle of every region as the generator writes it for a fleet whose
  // pki.additionalTrust.internal lists `cas` (the same function as npm run synth).
  const bundle = (cas: readonly string[]) => {
    const data = trustBundleData({ ...f, pki: { ...f.pki, additionalTrust: { ...f.pki.additionalTrust, internal: [...cas] } } });
    return () => {
      for (const r of f.regions) h.pki.writeTrust(r.name, data);
    };
  };
  const old = h.pki.ca(stackRef);
  const next = new Ca(join(dir, 'new-ca'), `${stackRef.kind}/${stackRef.name} (new)`);
  const pem = (c: Ca) => readFileSync(c.crt, 'utf8');
  // A probe identity (CN=kafka-admin) of the OLD CA, kept after the rotation: whoever still holds
  // a certificate of the retired CA. It trusts both CAs, so only its own certificate is judged.
  const probeDir = join(dir, 'old-ca-admin');
  const probe = async (expectAccepted: boolean, label: string) => {
    const trustFile = join(dir, 'both-cas.pem');
    writeFileSync(trustFile, `${pem(old)}${pem(next)}`);
    const tools = h.toolsAs({ name: 'e2e-old-ca-admin', tlsDir: probeDir, truststore: trustFile }, 'stack');
    // As the trust checks do (trust.ts): a topic listing as kafka-admin, a super user once accepted.
    // 150 s: the tool's own 30 s API timeout plus a JVM start on a loaded machine (60 s was not enough at load 40).
    const r = await attempt(tools, 'kafka-topics.sh', ['--bootstrap-server', tools.bootstrap, '--command-config', tools.clientConfig, '--list'], 150_000);
    const verdict = expectAccepted ? 'accepted' : 'refused';
    const ok = expectAccepted ? r.code === 0 && r.stdout.split('\n').includes(f.topic.name) : r.code !== 0 && HANDSHAKE_REFUSED.test(outputOf(r));
    h.report.check(`${label}: a kafka-admin certificate of the OLD CA is ${verdict} by the brokers' internal listener (${KAFKA.replicationPort})`, ok, `exit ${r.code}; ${tail(outputOf(r))}`);
    const client = h.clients.get(f.topic.managementRegion)!;
    for (const m of h.zookeepers) {
      const cmd = `echo srvr | timeout 15 openssl s_client -connect ${m.node.host}:${ZOOKEEPER.clientPort} -quiet -cert ${probeDir}/tls.crt -key ${probeDir}/tls.key -CAfile ${trustFile} 2>&1`;
      const z = await run(h.net.exec(client, ['bash', '-c', cmd]), { timeoutMs: 25_000, allowFail: true });
      const mode = /Mode: (\w+)/.test(z.stdout);
      h.report.check(`${label}: a kafka-admin certificate of the OLD CA is ${verdict} by ZooKeeper ${m.node.id} (${ZOOKEEPER.clientPort}, srvr answered: ${mode})`, mode === expectAccepted, tail(z.stdout));
    }
    note(`old-CA kafka-admin certificate: brokers ${r.code === 0 ? 'accept' : 'refuse'} it (exit ${r.code}), ZooKeeper checked (expected: ${verdict})`);
  };
  return [
    {
      label: 'ca rotation step 1',
      prepare: () => ({ publish: bundle([pem(old), pem(next)]), what: 'step 1: trust bundle = old + new stack CA (fleet pki.additionalTrust.internal: [old, new]), ConfigMap volume swapped in every region' }),
      issuer: () => subjectOf(old.crt),
    },
    {
      label: 'ca rotation step 2',
      prepare: () => {
        h.pki.issueProbe(old, { ...(adminCertificate(f).spec as unknown as CertificateSpec) }, probeDir);
        h.pki.useCa(stackRef, next);
        const publish = h.pki.reissue();
        return { publish, what: `step 2: the CA Secret holds the new CA; ${h.pki.issued.length} leaf certificates re-issued (stack ones by the new CA), Secret volumes swapped` };
      },
      issuer: () => subjectOf(next.crt),
      after: () => probe(true, 'ca rotation step 2'),
    },
    {
      label: 'ca rotation step 3',
      prepare: () => ({ publish: bundle([pem(next)]), what: 'step 3: trust bundle = new stack CA only (old CA removed), ConfigMap volume swapped' }),
      issuer: () => subjectOf(next.crt),
      after: () => probe(false, 'ca rotation step 3'),
    },
  ];
}

export async function rotationUnderLoad(h: Harness): Promise<void> {
  const f = h.fleet;
  if (f.metadata.mode === 'kraft') throw new Error(`E2E_ROTATE=${h.s.rotate}: the rotation stage covers ZooKeeper mode only; run KRaft mode with E2E_ROTATE=none`);
  const dir = join(h.s.work, 'rotation');
  mkdirSync(dir, { recursive: true });
  const { watchS, staggerS } = timing(h);
  const zk = h.zookeepers;
  const majority = Math.floor(zk.length / 2) + 1;
  const sessionTimeoutMs = Number(/zookeeper\.session\.timeout\.ms=(\d+)/.exec(readFileSync(join(h.brokers[0].env.CONFIG_DIR!, 'server.properties'), 'utf8'))?.[1] ?? 18_000);
  // Every broker notices within one watch interval and may need one retry a watch interval later
  // (seen: an AlterConfigs that timed out while a ZooKeeper member restarted). Each attempt is one
  // kafka-configs run: its admin client gives up after default.api.timeout.ms (60 s), plus up to
  // 30 s for the JVM to start on a loaded machine. ZooKeeper member i restarts i stagger slots
  // after it noticed.
  const brokerDeadlineS = 2 * watchS + 2 * (60 + 30);
  const zookeeperDeadlineS = watchS + staggerS * (zk.length - 1) + 90;
  const events: Event[] = [];
  const note = (what: string, at = Date.now()) => {
    events.push({ at, what });
    log(`rotation: ${what}`);
  };
  const steps = stepsOf(h, dir, note);

  // Before: the PIDs, and the certificates each endpoint serves are the ones issued at the start.
  const pids = new Map(h.brokers.map((b) => [b, b.service!.child.pid]));
  for (const b of h.brokers) {
    for (const e of brokerEndpoints(h)) {
      const got = (await served(h, b.node.host, e.port, e.clientDir)).serial;
      const issued = h.pki.serial(b.node.region.name, e.secret);
      if (got !== issued) throw new Error(`before the rotation, broker ${b.node.id} serves serial ${got ?? 'none'} on ${e.port}, its Secret ${e.secret} holds ${issued}`);
    }
  }

  const stop = new AbortController();
  const producing = f.regions.slice(0, 2).map((x) => x.name);
  const reading = f.regions[f.regions.length - 1].name;
  const durationS = h.s.rotateAtS + steps.length * (Math.max(zookeeperDeadlineS, brokerDeadlineS) + 30) + 60;
  const producers: Producer[] = producing.map((region) => startProducer(h, region, dir, { name: 'rotation', durationS, stop: stop.signal }));
  const group = loadConsumerGroup(f);
  const consumerStop = new AbortController();
  const liveLog = join(h.s.work, 'logs', `rotation-live-consume-${reading}.log`);
  const live = run(loadArgs(h, 'consume', reading, ['--client-id', `e2e-rotation-live-${reading}`, '--group', group, '--rack', reading, '--idle-timeout-s', '0', '--progress-interval-s', '10']), {
    timeoutMs: (durationS + 300) * 1000,
    allowFail: true,
    stop: consumerStop.signal,
  });
  log(`rotation (${h.s.rotate}, ${steps.length} step${steps.length > 1 ? 's' : ''}): producers in ${producing.join(' and ')}, a consumer in ${reading}; first change in ${h.s.rotateAtS} s; watch interval ${watchS} s, ZooKeeper restart stagger ${staggerS} s${h.s.certWatchS !== undefined || h.s.certStaggerS !== undefined ? ' (E2E_CERT_* overrides, not the generated values)' : ' (as generated)'}`);

  // The harness's kubelet, from now until the stage ends.
  const restarts: Restart[] = [];
  let watching = true;
  const stageStart = Date.now();
  const kubelet = (async () => {
    while (watching) {
      for (const m of zk) {
        if (m.service && !running(m.service)) {
          const r: Restart = { member: m, exitedAt: Date.now(), code: m.service.child.exitCode };
          restarts.push(r);
          note(`ZooKeeper ${m.node.id} (${m.node.region.name}/${m.node.pod}) exited (${m.service.child.exitCode ?? m.service.child.signalCode}); the kubelet restarts its container`);
          relaunch(h, m);
        }
      }
      for (const b of h.brokers) {
        if (b.service && !running(b.service) && !events.some((e) => e.what.startsWith(`broker ${b.node.id} exited`))) note(`broker ${b.node.id} exited (${b.service.child.exitCode ?? b.service.child.signalCode})`);
      }
      await sleep(500);
    }
  })();
  let results: (Producer & { res: Result })[] = [];
  let liveRes: Result | undefined;
  let firstSwapAt: number | undefined;
  const perStep: { label: string; swapS: number; brokerReloadS: Record<number, number | undefined>; zookeeperRestarts: { id: number; exitedS: number; servingS?: number }[] }[] = [];
  try {
    await sleep(h.s.rotateAtS * 1000);
    for (const step of steps) {
      const logStart = new Map([...h.brokers.flatMap((b) => b.sidecars.map((s) => s.logFile)), ...zk.map((m) => m.service!.logFile)].map((file) => [file, size(file)]));
      const issuing = Date.now();
      const { publish, what } = step.prepare();
      const swapAt = Date.now();
      firstSwapAt ??= swapAt;
      publish();
      note(`${what} (${((swapAt - issuing) / 1000).toFixed(1)} s to prepare, ${Date.now() - swapAt} ms for all swaps by ..data symlink)`, swapAt);
      const issuer = step.issuer();
      const reloads: Record<number, number | undefined> = {};

      // Brokers: the sidecar's log line, then the expected certificate (serial and issuer) on both listeners, same PID.
      const brokerChecks = h.brokers.map(async (b) => {
        const file = b.sidecars[0]?.logFile;
        const id = b.node.id;
        const deadline = swapAt + brokerDeadlineS * 1000;
        let reloadedAt: number | undefined;
        let noticed = false;
        while (!reloadedAt && Date.now() < deadline && file) {
          const lines = linesSince(file, logStart.get(file) ?? 0);
          if (!noticed && lines.some((l) => l.startsWith('reload-tls: certificate files changed'))) {
            noticed = true;
            note(`broker ${id}: reload-tls noticed the new files and calls kafka-configs`);
          }
          if (lines.some((l) => l.includes(`reload-tls: broker ${id} reloaded its keystore and truststore`))) reloadedAt = Date.now();
          else await sleep(1000);
        }
        if (file) for (const l of linesSince(file, logStart.get(file) ?? 0).filter((x) => /reload failed/.test(x))) note(`broker ${id}: ${l.trim()}`);
        if (reloadedAt) note(`broker ${id} (${b.node.region.name}/${b.node.pod}): reload-tls logged the reload`, reloadedAt);
        reloads[id] = reloadedAt === undefined ? undefined : round((reloadedAt - swapAt) / 1000);
        h.report.check(`${step.label}: broker ${id} reloaded its certificates (reload-tls log line within ${brokerDeadlineS} s, one retry allowed)`, reloadedAt !== undefined, file ? `no reload line in ${file}` : 'no reload-tls sidecar runs beside it');
        const seen: string[] = [];
        for (const e of brokerEndpoints(h)) {
          const want = h.pki.serial(b.node.region.name, e.secret);
          const wantIssuer = e.port === KAFKA.replicationPort ? issuer : subjectOf(h.pki.ca(f.pki.issuer).crt);
          let got: { serial?: string; issuer?: string } = {};
          // The AlterConfigs has returned when the line is logged; a few seconds for the listener.
          for (let i = 0; i < 5 && got.serial !== want; i++) {
            got = await served(h, b.node.host, e.port, e.clientDir);
            if (got.serial !== want) await sleep(2000);
          }
          seen.push(`${e.port} ${got.serial ?? 'none'}`);
          h.report.check(`${step.label}: broker ${id} serves the ${h.s.rotate === 'leaf' ? 'new ' : ''}${e.secret} certificate on ${e.port} (openssl s_client)`, got.serial === want, `serves serial ${got.serial ?? 'none'}, the Secret's is ${want}`);
          h.report.check(`${step.label}: broker ${id}'s certificate on ${e.port} is issued by ${wantIssuer}`, got.issuer === wantIssuer, `issuer ${got.issuer ?? 'none'}`);
        }
        const same = b.service !== undefined && running(b.service) && b.service.child.pid === pids.get(b);
        h.report.check(`${step.label}: broker ${id} was not restarted (PID ${pids.get(b)} still running)`, same, `PID now ${b.service?.child.pid}, running ${b.service ? running(b.service) : false}`);
        note(`broker ${id}: serves serial ${seen.join(', ')}; PID ${b.service?.child.pid}${same ? ' unchanged' : ' CHANGED'}`);
      });

      // ZooKeeper: the watcher's announcement, the restart, serving again with the expected certificate.
      const zookeeperChecks = zk.map(async (m) => {
        const file = m.service!.logFile;
        const deadline = swapAt + zookeeperDeadlineS * 1000;
        let announced = false;
        const mine = () => restarts.filter((x) => x.member === m && x.exitedAt >= swapAt);
        for (;;) {
          if (!announced) {
            const line = linesSince(file, logStart.get(file) ?? 0).find((l) => /^start: certificate files changed; restarting ZooKeeper/.test(l));
            if (line) {
              announced = true;
              note(`ZooKeeper ${m.node.id}: ${line.replace(/^start: /, '')}`);
            }
          }
          const r = mine()[0];
          if (r && r.servingAt === undefined) {
            r.servingAt = servingAgainAt(r);
            if (r.servingAt !== undefined) note(`ZooKeeper ${m.node.id} serves again (its log: broadcast state)`, r.servingAt);
          }
          if (r?.servingAt !== undefined || Date.now() > deadline) break;
          await sleep(1000);
        }
        const r = mine()[0];
        h.report.check(`${step.label}: ZooKeeper ${m.node.id} restarted once for the new certificates and serves again (within ${zookeeperDeadlineS} s)`, mine().length === 1 && r.servingAt !== undefined, `${mine().length} restarts${r ? `, serving again: ${r.servingAt !== undefined ? `+${round((r.servingAt - swapAt) / 1000)} s` : 'no'}` : ''}; log ${file}`);
        const want = h.pki.serial(m.node.region.name, TLS.zookeeper.secret);
        const got = r?.servingAt !== undefined ? await served(h, m.node.host, ZOOKEEPER.clientPort, h.pki.secretDir(f.topic.managementRegion, TLS.admin.secret)) : {};
        h.report.check(`${step.label}: ZooKeeper ${m.node.id} serves the ${h.s.rotate === 'leaf' ? 'new ' : ''}certificate on its client port ${ZOOKEEPER.clientPort}`, got.serial === want, `serves serial ${got.serial ?? 'none'}, the Secret's is ${want}`);
        h.report.check(`${step.label}: ZooKeeper ${m.node.id}'s certificate is issued by ${issuer}`, got.issuer === issuer, `issuer ${got.issuer ?? 'none'}`);
      });
      await Promise.all([...brokerChecks, ...zookeeperChecks]);
      if (step.after) await step.after();
      perStep.push({
        label: step.label,
        swapS: round((swapAt - firstSwapAt) / 1000),
        brokerReloadS: reloads,
        zookeeperRestarts: restarts.filter((r) => r.exitedAt >= swapAt).map((r) => ({ id: r.member.node.id, exitedS: round((r.exitedAt - swapAt) / 1000), servingS: r.servingAt === undefined ? undefined : round((r.servingAt - swapAt) / 1000) })),
      });
    }

    // Let the clients run on the new certificates for a while, then stop them as a Job is stopped.
    await sleep(10_000);
    stop.abort();
    results = await Promise.all(producers.map(async (p) => ({ ...p, res: await p.done })));
    await sleep(5_000);
    consumerStop.abort();
    liveRes = await live;
  } finally {
    watching = false;
    stop.abort();
    consumerStop.abort();
    await kubelet;
  }
  const swapAt = firstSwapAt ?? Date.now();
  const label = steps.length > 1 ? 'ca rotation' : 'rotation';

  // One member at a time: no two restarts (exit to serving again) overlap.
  const windows = restarts.map((r) => [r.exitedAt, r.servingAt ?? Number.POSITIVE_INFINITY] as const).sort((a, b) => a[0] - b[0]);
  const overlap = windows.some((w, i) => i > 0 && w[0] < windows[i - 1][1]);
  h.report.check(`${label}: ZooKeeper members restarted one at a time`, !overlap && restarts.length > 0, restarts.length ? 'two restart windows overlap' : 'no member restarted');
  // A majority serves throughout; a leader election after the leader's restart may leave a gap,
  // which must stay below the brokers' ZooKeeper session timeout.
  const gapMs = longestGapMs(zk, restarts, majority, stageStart, Date.now());
  h.report.check(`${label}: ZooKeeper kept a serving majority (${majority} of ${zk.length}) throughout (their logs), any election gap under the session timeout ${sessionTimeoutMs / 1000} s`, gapMs < sessionTimeoutMs, `longest gap ${gapMs / 1000} s`);

  const produced: Record<string, Summary | undefined> = {};
  for (const p of results) {
    const s = (produced[p.region] = lastJson(p.res.stdout) as Summary | undefined);
    h.report.check(`${label}: producer in ${p.region} ended without a failed request (retries allowed)`, p.res.code === 0 && !!s && !s.fatal && s.errors === 0, `exit ${p.res.code}, errors ${s?.errors}, fatal ${s?.fatal ?? 'none'}; log ${p.logFile}`);
  }
  const liveSummary = liveRes ? (lastJson(liveRes.stdout) as Summary | undefined) : undefined;
  if (liveRes) writeFileSync(liveLog, `${liveRes.stderr}\n${liveRes.stdout}`);
  h.report.check(`${label}: consumer in ${reading} read throughout without a failed request`, liveRes?.code === 0 && !!liveSummary && !liveSummary.fatal && liveSummary.errors === 0 && (liveSummary.records ?? 0) > 0, `exit ${liveRes?.code}, records ${liveSummary?.records}, errors ${liveSummary?.errors}, fatal ${liveSummary?.fatal ?? 'none'}; log ${liveLog}`);

  // Every acknowledged record, read back from the start (the existing verification).
  await h.tools.resetGroup(group, f.topic.name);
  const consumed = await consume(h, [producing[0]], dir, producers.map((p) => p.summary), 'rotation');
  const v = consumed[producing[0]]?.verify;

  const at = (x: number) => round((x - swapAt) / 1000);
  h.report.figures.rotation = {
    kind: h.s.rotate,
    certificates: h.pki.issued.length,
    watchS,
    staggerS,
    brokerReloadS: Object.fromEntries(h.brokers.map((b) => [b.node.id, perStep.map((p) => p.brokerReloadS[b.node.id]).join('/')])),
    zookeeperRestarts: restarts.map((r) => ({ id: r.member.node.id, exitedS: at(r.exitedAt), servingS: r.servingAt === undefined ? undefined : at(r.servingAt) })),
    steps: perStep,
    longestQuorumGapS: gapMs / 1000,
    producerRetries: Object.values(produced).reduce((n, p) => n + (p?.retries ?? 0), 0),
    acknowledged: v?.expected,
    lost: v?.missing,
    reordered: v?.outOfOrder,
  };
  console.log('');
  console.log(`e2e: rotation timeline (t = 0 when the ${steps.length > 1 ? 'first change (step 1)' : 'certificates were re-issued'} reached the volumes)`);
  for (const e of [...events].sort((a, b) => a.at - b.at)) console.log(`e2e:   ${`+${((e.at - swapAt) / 1000).toFixed(1)} s`.padStart(9)}  ${e.what}`);
  console.log('');
}
