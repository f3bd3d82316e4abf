import { Fleet, socketBufferBytes } from '@stretched-kafka/fleet';

// Kafka asks the kernel for socket.send/receive.buffer.bytes with setsockopt, and the kernel
// silently caps the request at net.core.wmem_max / rmem_max. These are node-wide sysctls (not
// namespaced), so a pod cannot set them: the platform team tunes the nodes that run brokers.

/** Linux defaults for the min and default fields of tcp_rmem / tcp_wmem; only the max changes. */
const TCP_RMEM_MIN_DEFAULT = [4096, 131072] as const;
const TCP_WMEM_MIN_DEFAULT = [4096, 16384] as const;

export interface BufferPlan {
  readonly bandwidthBytesPerSecond: number;
  readonly latencyMs: number;
  readonly socketBufferBytes: number;
  /** sysctl key -> value, in the order to apply them. */
  readonly sysctls: ReadonlyArray<readonly [string, string]>;
}

export function bufferPlan(fleet: Fleet): BufferPlan {
  const bytes = socketBufferBytes(fleet);
  return {
    bandwidthBytesPerSecond: fleet.network.bandwidthBytesPerSecond,
    latencyMs: fleet.network.latencyMs,
    socketBufferBytes: bytes,
    sysctls: [
      ['net.core.rmem_max', String(bytes)],
      ['net.core.wmem_max', String(bytes)],
      ['net.ipv4.tcp_rmem', [...TCP_RMEM_MIN_DEFAULT, bytes].join(' ')],
      ['net.ipv4.tcp_wmem', [...TCP_WMEM_MIN_DEFAULT, bytes].join(' ')],
    ],
  };
}

/** `/etc/sysctl.d/` file body for any Linux node. */
export function sysctlLines(plan: BufferPlan): string {
  return plan.sysctls.map(([k, v]) => `${k} = ${v}`).join('\n');
}

/** An OpenShift Node Tuning Operator profile carrying the same sysctls (printed, not generated into clusters/). */
export function tunedProfile(fleet: Fleet, plan: BufferPlan): string {
  const name = `${fleet.name}-socket-buffers`;
  return [
    'apiVersion: tuned.openshift.io/v1',
    'kind: Tuned',
    'metadata:',
    `  name: ${name}`,
    '  namespace: openshift-cluster-node-tuning-operator',
    'spec:',
    '  profile:',
    `  - name: ${name}`,
    '    data: |',
    '      [main]',
    `      summary=Socket buffers for ${fleet.name}: ${plan.bandwidthBytesPerSecond} B/s x ${plan.latencyMs} ms`,
    '      include=openshift-node',
    '      [sysctl]',
    // TuneD's own network-throughput profile quotes multi-field values the same way.
    ...plan.sysctls.map(([k, v]) => `      ${k}=${v.includes(' ') ? `"${v}"` : v}`),
    '  recommend:',
    '  - match:',
    '    - label: node-role.kubernetes.io/worker',
    '    priority: 20',
    `    profile: ${name}`,
  ].join('\n');
}
