// One Kubernetes control plane on loopback, no root: etcd, kube-apiserver (default admission
// plugins, so PodSecurity, NamespaceLifecycle and ServiceAccount are on; RBAC; client-certificate
// auth) and kube-controller-manager (every controller, incl. the service-account token
// controller, signing with this plane's own service-account key). No scheduler and no kubelet:
// Pods are created and admitted, and stay Pending.
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Service, must, run, startService, tail, waitUntil } from './proc';

export interface Binaries {
  readonly etcd: string;
  readonly apiserver: string;
  readonly controllerManager: string;
  readonly kubectl: string;
  readonly kustomize: string;
}

/**
 * Ports are handed out from below the kernel's ephemeral range (32768-60999 by default), one
 * after the other in this process: a port the kernel picked for listen(0) can be taken again by
 * an outgoing connection (kubectl, etcd clients) before the component binds it, and then that
 * component dies at start. The start is spread by the process id so two runs rarely meet.
 */
const PORT_BASE = 20_000;
const PORT_SPAN = 12_000;
let nextPort = PORT_BASE + ((process.pid * 37) % (PORT_SPAN - 1000));

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/** A loopback port free right now, never handed out twice by this process. */
export async function freePort(): Promise<number> {
  for (let tries = 0; tries < 2000; tries++) {
    const port = nextPort;
    nextPort = nextPort + 1 >= PORT_BASE + PORT_SPAN ? PORT_BASE : nextPort + 1;
    if (await canListen(port)) return port;
  }
  throw new Error(`no free loopback port between ${PORT_BASE} and ${PORT_BASE + PORT_SPAN}`);
}

const openssl = (args: string[], cwd: string): Promise<unknown> => must('openssl', args, { cwd, timeoutMs: 90_000 });
// EC P-256 keys throughout: generated in milliseconds (RSA key generation takes a random, on a loaded machine long, time)
const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'];

/** One CA for every plane's serving certificate and the admin and controller-manager client certificates. */
export async function makePki(dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  await openssl(['req', '-x509', ...EC, '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '1', '-subj', '/CN=k8s-e2e-ca'], dir);
  let serial = 1000;
  const cert = async (name: string, subject: string, ext: string[]): Promise<void> => {
    const n = serial++;
    await openssl(['req', ...EC, '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject], dir);
    writeFileSync(join(dir, `${name}.ext`), ext.join('\n') + '\n');
    await openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-set_serial', String(n), '-days', '1', '-out', `${name}.crt`, '-extfile', `${name}.ext`], dir);
  };
  await Promise.all([
    cert('apiserver', '/CN=kube-apiserver', [
      'subjectAltName=IP:127.0.0.1,IP:10.96.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local',
      'extendedKeyUsage=serverAuth',
    ]),
    cert('admin', '/O=system:masters/CN=k8s-e2e-admin', ['extendedKeyUsage=clientAuth']),
    cert('kcm', '/CN=system:kube-controller-manager', ['extendedKeyUsage=clientAuth']),
  ]);
}

export interface PlaneSpec {
  /** unique id, also the folder name: `<set>-<region>` */
  readonly id: string;
  readonly region: string;
}

export class ControlPlane {
  readonly dir: string;
  apiPort = 0;
  private services: Service[] = [];
  startedMs = 0;
  readyMs = 0;

  constructor(
    readonly spec: PlaneSpec,
    readonly work: string,
    readonly pki: string,
    readonly bin: Binaries,
  ) {
    this.dir = join(work, 'planes', spec.id);
  }

  get server(): string {
    return `https://127.0.0.1:${this.apiPort}`;
  }

  get all(): readonly Service[] {
    return this.services;
  }

  alive(): boolean {
    return this.services.every((s) => !s.exited);
  }

  private ports: number[] = [];

  /** Picks the plane's loopback ports (so its kubeconfig can be written before it starts). */
  async allocate(): Promise<void> {
    this.ports = [await freePort(), await freePort(), await freePort(), await freePort()];
    this.apiPort = this.ports[2];
  }

  /** Starts etcd, kube-apiserver and kube-controller-manager and waits (bounded) until each is healthy. */
  async start(timeoutMs: number): Promise<void> {
    const t0 = Date.now();
    const d = this.dir;
    mkdirSync(d, { recursive: true });
    // the plane's own service-account signing key (ES256)
    await openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'sa.key'], d);
    await openssl(['ec', '-in', 'sa.key', '-pubout', '-out', 'sa.pub'], d);
    if (this.ports.length === 0) await this.allocate();
    const [etcdPort, etcdPeer, apiPort, kcmPort] = this.ports;
    const p = this.pki;
    const kcmKubeconfig = join(d, 'kcm.kubeconfig');
    writeFileSync(kcmKubeconfig, kubeconfigYaml([{ name: 'kcm', server: this.server, ca: `${p}/ca.crt`, cert: `${p}/kcm.crt`, key: `${p}/kcm.key` }]));
    const deadline = t0 + timeoutMs;
    const left = (): number => Math.max(1000, deadline - Date.now());
    const fail = (what: string, svc: Service): never => {
      throw new Error(`control plane ${this.spec.id}: ${what} (${svc.exited ? 'exited' : 'timed out'}); last log lines of ${svc.log}:\n${tail(svc.log)}`);
    };

    const etcd = startService(`${this.spec.id}/etcd`, this.bin.etcd, [
      `--name=${this.spec.id}`, `--data-dir=${d}/etcd`,
      `--listen-client-urls=http://127.0.0.1:${etcdPort}`, `--advertise-client-urls=http://127.0.0.1:${etcdPort}`,
      `--listen-peer-urls=http://127.0.0.1:${etcdPeer}`, `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeer}`,
      `--initial-cluster=${this.spec.id}=http://127.0.0.1:${etcdPeer}`, '--log-level=warn',
      // throwaway data: no fsync (the disk, not the API server, would otherwise set the pace)
      '--unsafe-no-fsync',
    ], join(d, 'etcd.log'));
    this.services.push(etcd);
    const curl = (args: string[]): Promise<boolean> => run('curl', ['-fsS', '--max-time', '2', ...args], { timeoutMs: 5000 }).then((r) => r.code === 0);
    if (!(await waitUntil(() => curl([`http://127.0.0.1:${etcdPort}/health`]), left(), 200, () => !etcd.exited))) fail('etcd not healthy', etcd);

    // The default admission plugins are on (NamespaceLifecycle, LimitRanger, ServiceAccount,
    // PodSecurity, ..., ResourceQuota); naming three only documents it. --allow-privileged as
    // on kubeadm clusters, so that PodSecurity, not this flag, refuses privileged Pods.
    const api = startService(`${this.spec.id}/kube-apiserver`, this.bin.apiserver, [
      `--etcd-servers=http://127.0.0.1:${etcdPort}`,
      '--bind-address=127.0.0.1', '--advertise-address=127.0.0.1', `--secure-port=${apiPort}`,
      `--tls-cert-file=${p}/apiserver.crt`, `--tls-private-key-file=${p}/apiserver.key`, `--client-ca-file=${p}/ca.crt`,
      `--service-account-issuer=https://${this.spec.id}.k8s-e2e.invalid`,
      `--service-account-key-file=${d}/sa.pub`, `--service-account-signing-key-file=${d}/sa.key`,
      '--service-cluster-ip-range=10.96.0.0/16', '--authorization-mode=Node,RBAC', '--allow-privileged=true',
      '--enable-admission-plugins=NamespaceLifecycle,ServiceAccount,PodSecurity', '--profiling=false',
    ], join(d, 'kube-apiserver.log'));
    this.services.push(api);
    const readyz = (): Promise<boolean> =>
      curl(['--cacert', `${p}/ca.crt`, '--cert', `${p}/admin.crt`, '--key', `${p}/admin.key`, `${this.server}/readyz`]);
    if (!(await waitUntil(readyz, left(), 250, () => !api.exited))) fail('kube-apiserver not ready', api);

    const kcm = startService(`${this.spec.id}/kube-controller-manager`, this.bin.controllerManager, [
      `--kubeconfig=${kcmKubeconfig}`, `--authentication-kubeconfig=${kcmKubeconfig}`, `--authorization-kubeconfig=${kcmKubeconfig}`,
      '--bind-address=127.0.0.1', `--secure-port=${kcmPort}`, '--leader-elect=false', "--controllers=*",
      `--service-account-private-key-file=${d}/sa.key`, `--root-ca-file=${p}/ca.crt`, '--use-service-account-credentials=true',
      `--cluster-signing-cert-file=${p}/ca.crt`, `--cluster-signing-key-file=${p}/ca.key`, '--profiling=false',
    ], join(d, 'kube-controller-manager.log'));
    this.services.push(kcm);
    if (!(await waitUntil(() => curl(['-k', `https://127.0.0.1:${kcmPort}/healthz`]), left(), 250, () => !kcm.exited))) fail('kube-controller-manager not healthy', kcm);
    this.startedMs = t0;
    this.readyMs = Date.now() - t0;
  }
}

export interface KubeconfigEntry {
  readonly name: string;
  readonly server: string;
  readonly ca: string;
  readonly cert: string;
  readonly key: string;
}

/** A kubeconfig with one context (and cluster and user) per entry, named after it; the first is current. */
export function kubeconfigYaml(entries: readonly KubeconfigEntry[]): string {
  const out = ['apiVersion: v1', 'kind: Config', `current-context: ${entries[0].name}`, 'clusters:'];
  for (const e of entries) out.push(`- name: ${e.name}`, '  cluster:', `    server: ${e.server}`, `    certificate-authority: ${e.ca}`);
  out.push('users:');
  for (const e of entries) out.push(`- name: ${e.name}`, '  user:', `    client-certificate: ${e.cert}`, `    client-key: ${e.key}`);
  out.push('contexts:');
  for (const e of entries) out.push(`- name: ${e.name}`, '  context:', `    cluster: ${e.name}`, `    user: ${e.name}`);
  return out.join('\n') + '\n';
}
