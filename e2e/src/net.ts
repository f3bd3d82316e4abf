import { mkdirSync, readdirSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { sh } from './proc';

// Network of the harness, all inside this machine:
//
//   root namespace:  bridge <prefix>br ── <prefix>u<i> ═╗  (one uplink veth pair per region)
//   region hub ns:   <prefix>-<region>: bridge br0 ── uplink
//                                                  ├── n0 ═ eth0 in <prefix>-<region>-zookeeper-0
//                                                  └── n1 ═ eth0 in <prefix>-<region>-kafka-0 ...
//
// Every node (pod) has its own namespace and address, like a pod: generated configurations may
// bind every port on 0.0.0.0, and all brokers use the same ports. Nodes of a region share the
// region's hub bridge, so cutting the region's uplink isolates the region from the others while
// its own nodes still see each other, as in a real region outage of the inter-region links.
// Addresses come from 198.18.0.0/15 (RFC 2544, reserved for benchmarking) and never leave the
// machine: no namespace gets a default route, the root namespace's bridge has no address.
//
// With a WAN (`create(true)`), each hub's uplink hangs off a second bridge br1, and a delay line
// joins the two bridges: br0 ── wa ⇄ e2e/wan ⇄ wb ── br1 ── uplink. The delay line (wan.ts starts
// it) holds every frame for a quarter of the round trip; an inter-region packet crosses two hubs'
// delay lines, intra-region traffic none. The cut still takes the uplink down at both ends.

export interface Host {
  readonly region: string;
  readonly key: string;
  readonly ns: string;
  readonly ip: string;
  /** Names that resolve to this host in every namespace's hosts file (clusterset names). */
  readonly names: readonly string[];
  /** Names that resolve to this host only inside its own region (cluster-local Service names). */
  readonly localNames: readonly string[];
}

const SUBNET_PREFIX = 16;

export class Network {
  private readonly hosts: Host[] = [];
  private readonly nextHost = new Map<string, number>();

  constructor(
    readonly prefix: string,
    readonly regions: readonly string[],
  ) {}

  hubNs(region: string): string {
    return `${this.prefix}-${region}`;
  }

  private uplink(region: string): string {
    return `${this.prefix}u${this.regions.indexOf(region)}`;
  }

  private get bridge(): string {
    return `${this.prefix}br`;
  }

  addHost(region: string, key: string, names: readonly string[], localNames: readonly string[] = []): Host {
    const r = this.regions.indexOf(region);
    if (r < 0) throw new Error(`unknown region ${region}`);
    const n = this.nextHost.get(region) ?? 10;
    if (n > 250) throw new Error(`too many hosts in region ${region}`);
    this.nextHost.set(region, n + 1);
    const host = { region, key, ns: `${this.prefix}-${region}-${key}`, ip: `198.18.${r + 1}.${n}`, names, localNames };
    this.hosts.push(host);
    return host;
  }

  /** Command prefix that runs `args` inside the host's namespace (with its hosts file). */
  exec(host: Host, args: readonly string[]): string[] {
    return ['ip', 'netns', 'exec', host.ns, ...args];
  }

  /** The TAP devices of a hub's delay line (on br0, on br1), with a WAN. */
  static readonly DELAY_TAPS = ['wa', 'wb'] as const;

  create(wan = false): void {
    sh(['ip', 'link', 'add', this.bridge, 'type', 'bridge']);
    sh(['ip', 'link', 'set', this.bridge, 'up']);
    for (const region of this.regions) {
      const hub = this.hubNs(region);
      sh(['ip', 'netns', 'add', hub]);
      sh(['ip', '-n', hub, 'link', 'set', 'lo', 'up']);
      sh(['ip', '-n', hub, 'link', 'add', 'br0', 'type', 'bridge']);
      sh(['ip', '-n', hub, 'link', 'set', 'br0', 'up']);
      sh(['ip', 'link', 'add', this.uplink(region), 'type', 'veth', 'peer', 'name', 'uplink', 'netns', hub]);
      sh(['ip', 'link', 'set', this.uplink(region), 'master', this.bridge, 'up']);
      let uplinkBridge = 'br0';
      if (wan) {
        uplinkBridge = 'br1';
        sh(['ip', '-n', hub, 'link', 'add', 'br1', 'type', 'bridge']);
        sh(['ip', '-n', hub, 'link', 'set', 'br1', 'up']);
        for (const [tap, bridge] of [[Network.DELAY_TAPS[0], 'br0'], [Network.DELAY_TAPS[1], 'br1']]) {
          // Persistent, with the virtio-net header: the delay line attaches and passes TSO frames whole.
          sh(['ip', '-n', hub, 'tuntap', 'add', 'dev', tap, 'mode', 'tap', 'vnet_hdr']);
          sh(['ip', '-n', hub, 'link', 'set', tap, 'master', bridge, 'up']);
        }
      }
      sh(['ip', '-n', hub, 'link', 'set', 'uplink', 'master', uplinkBridge, 'up']);
    }
    for (const [i, host] of this.hosts.entries()) {
      const hub = this.hubNs(host.region);
      const port = `n${i}`;
      sh(['ip', 'netns', 'add', host.ns]);
      sh(['ip', 'link', 'add', 'eth0', 'netns', host.ns, 'type', 'veth', 'peer', 'name', port, 'netns', hub]);
      sh(['ip', '-n', hub, 'link', 'set', port, 'master', 'br0', 'up']);
      sh(['ip', '-n', host.ns, 'addr', 'add', `${host.ip}/${SUBNET_PREFIX}`, 'dev', 'eth0']);
      sh(['ip', '-n', host.ns, 'link', 'set', 'eth0', 'up']);
      sh(['ip', '-n', host.ns, 'link', 'set', 'lo', 'up']);
      // `ip netns exec` bind-mounts /etc/netns/<ns>/* over /etc: this is the namespace's DNS.
      mkdirSync(`/etc/netns/${host.ns}`, { recursive: true });
      writeFileSync(`/etc/netns/${host.ns}/hosts`, `${this.hostsFile(host.region)}${host.ip}\t${hostname()}\n`);
    }
  }

  /**
   * What a pod of `region` resolves: every node's clusterset name (Submariner's Lighthouse), the
   * region's own cluster-local names (the cluster's DNS), localhost. A name listed twice resolves
   * to its first address, like a Service with a stable first endpoint.
   */
  hostsFile(region: string): string {
    const lines = ['127.0.0.1\tlocalhost', '::1\tlocalhost ip6-localhost ip6-loopback'];
    for (const h of this.hosts) {
      const names = [...h.names, ...(h.region === region ? h.localNames : [])];
      if (names.length) lines.push(`${h.ip}\t${names.join(' ')}`);
    }
    return `${lines.join('\n')}\n`;
  }

  /** Cuts the region off the others: its uplink goes down at both ends. */
  cut(region: string): void {
    sh(['ip', 'link', 'set', this.uplink(region), 'down']);
    sh(['ip', '-n', this.hubNs(region), 'link', 'set', 'uplink', 'down']);
  }

  restore(region: string): void {
    sh(['ip', '-n', this.hubNs(region), 'link', 'set', 'uplink', 'up']);
    sh(['ip', 'link', 'set', this.uplink(region), 'up']);
  }

  /** Removes what this network created (call after the processes inside have ended). */
  destroy(): void {
    removeNetwork(this.prefix);
  }
}

/**
 * Removes every namespace, link and hosts folder carrying the harness prefix, also after a
 * crashed run. Processes still inside those namespaces (left by a crashed harness run; nothing
 * else uses the prefix) are killed by pid first, or the namespaces would linger.
 */
export function removeNetwork(prefix: string): void {
  const mine = (name: string) => name === prefix || name.startsWith(`${prefix}-`);
  const namespaces = sh(['ip', 'netns', 'list'])
    .split('\n')
    .map((l) => l.split(' ')[0])
    .filter((n) => n && mine(n));
  for (const ns of namespaces) {
    const pids = sh(['ip', 'netns', 'pids', ns], { allowFail: true }).split('\n').filter(Boolean);
    for (const pid of pids) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  }
  for (const ns of namespaces) sh(['ip', 'netns', 'del', ns], { allowFail: true });
  const links = sh(['ip', '-o', 'link', 'show'])
    .split('\n')
    .map((l) => /^\d+: ([^:@]+)[:@]/.exec(l)?.[1])
    .filter((n): n is string => !!n && n.startsWith(prefix));
  for (const link of links) sh(['ip', 'link', 'del', link], { allowFail: true });
  let etc: string[] = [];
  try {
    etc = readdirSync('/etc/netns');
  } catch {
    return;
  }
  for (const d of etc.filter(mine)) rmSync(`/etc/netns/${d}`, { recursive: true, force: true });
  try {
    rmdirSync('/etc/netns');
  } catch {
    // Not empty: other namespaces use it.
  }
}
