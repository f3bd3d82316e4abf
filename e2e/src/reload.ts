import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { CONFIG_MOUNT } from '@stretched-kafka/platform';
import { Harness, NodeRun } from './harness';
import { log } from './log';
import { startService } from './proc';
import { Settings } from './settings';
import { K8sObject } from './tree';

// The broker pod's other containers (the reload-tls sidecar), run beside each broker as the
// StatefulSet of the tree runs them: the command and the environment of the container spec, in
// the broker's namespace (one pod network), with the pod's directory variables pointing at the
// node's folders (the Secret volumes, the ConfigMap files, the shared /tmp emptyDir).

interface Container {
  name: string;
  command?: string[];
  env?: { name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } }[];
}

/** Starts every container of the broker pod other than the broker itself, beside broker `r`. */
export function startSidecars(h: Harness, r: NodeRun): void {
  const region = r.node.region.name;
  const set = h.tree.all('StatefulSet', region).find((o) => r.node.pod === `${o.object.metadata.name}-${r.node.ordinal}`);
  if (!set) throw new Error(`no StatefulSet for pod ${r.node.pod} under ${h.tree.root}/${region}/`);
  for (const c of containersOf(set.object)) {
    const command = c.command ?? [];
    if (command.join(' ').endsWith(`${CONFIG_MOUNT}/start.sh`)) continue;
    const args = command.map((a) => (a.startsWith(`${CONFIG_MOUNT}/`) ? join(r.env.CONFIG_DIR!, a.slice(CONFIG_MOUNT.length + 1)) : a));
    if (args.length === 0) throw new Error(`${set.file}: container ${c.name} has no command the harness can run`);
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      JAVA_HOME: process.env.JAVA_HOME,
      KAFKA_HOME: r.env.KAFKA_HOME,
      TLS_DIR: r.env.TLS_DIR,
      CLIENT_TLS_DIR: r.env.CLIENT_TLS_DIR,
      TRUST_DIR: r.env.TRUST_DIR,
      TRUSTSTORE_DIR: r.env.TRUSTSTORE_DIR,
      CONFIG_DIR: r.env.CONFIG_DIR,
      // Its own folder on the pod's shared /tmp, as the script's in-pod default is.
      RUN_DIR: join(r.dir, 'tmp', c.name),
      ...containerEnv(set.file, c, r.node.pod),
      ...certTimingEnv(h.s),
    };
    mkdirSync(env.RUN_DIR!, { recursive: true });
    const logFile = join(h.s.work, 'logs', `${region}-${r.node.pod}-${c.name}.log`);
    r.sidecars.push(startService(`${region}/${r.node.pod}/${c.name}`, h.net.exec(r.host, args), env, logFile));
  }
  log(`kafka: ${r.node.pod} in ${region}: sidecar ${r.sidecars.map((s) => s.name.split('/').pop()).join(', ')} running as its container spec says`);
}

/** E2E_CERT_WATCH_S / E2E_CERT_STAGGER_S shorten the scripts' intervals for a quick local run; unset (CI), they run as generated. */
export function certTimingEnv(s: Settings): Record<string, string> {
  return {
    ...(s.certWatchS !== undefined ? { CERT_WATCH_SECONDS: String(s.certWatchS) } : {}),
    ...(s.certStaggerS !== undefined ? { CERT_RESTART_STAGGER_SECONDS: String(s.certStaggerS) } : {}),
  };
}

function containersOf(o: K8sObject): Container[] {
  return ((o.spec as { template?: { spec?: { containers?: Container[] } } } | undefined)?.template?.spec?.containers ?? []);
}

/** The container's env: literal values, and the pod name where it takes metadata.name. */
function containerEnv(file: string, c: Container, pod: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of c.env ?? []) {
    if (e.value !== undefined) out[e.name] = e.value;
    else if (e.valueFrom?.fieldRef?.fieldPath === 'metadata.name') out[e.name] = pod;
    else throw new Error(`${file}: container ${c.name} env ${e.name} comes from a source the harness does not provide`);
  }
  return out;
}
