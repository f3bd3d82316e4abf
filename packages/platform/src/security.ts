import { k8s } from 'cdk8s-plus-27';
import { Fleet, Region, Resources } from '@stretched-kafka/fleet';

// Set explicitly on every pod and container the project writes; nothing is inherited from
// library defaults.

/** uid of Strimzi's image (and the ids the project pins on plain Kubernetes). */
export const RUN_AS_USER = 1001;

const POD_IDS: Record<Fleet['platform'], k8s.PodSecurityContext> = {
  openshift: {},
  kubernetes: { runAsUser: RUN_AS_USER, runAsGroup: 0, fsGroup: 0 },
};

/**
 * Pod security context for the fleet's platform. On OpenShift the restricted-v2 SCC rejects a
 * runAsUser or fsGroup outside the namespace's range and assigns both itself, so the pod leaves
 * them out; Strimzi's image runs under any uid with group 0 (its files are group-0 writable) and
 * the SCC's fsGroup makes the volumes writable. On Kubernetes the pod pins uid 1001, gid 0 and
 * fsGroup 0. Either way: non-root, RuntimeDefault seccomp.
 */
export function podSecurityContext(fleet: Fleet): k8s.PodSecurityContext {
  return {
    runAsNonRoot: true,
    ...POD_IDS[fleet.platform],
    fsGroupChangePolicy: 'OnRootMismatch',
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

export function containerSecurityContext(): k8s.SecurityContext {
  return {
    runAsNonRoot: true,
    allowPrivilegeEscalation: false,
    privileged: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

export function resourceRequirements(r: Resources): k8s.ResourceRequirements {
  return {
    requests: { cpu: k8s.Quantity.fromString(r.cpu), memory: k8s.Quantity.fromString(r.memory) },
    limits: {
      memory: k8s.Quantity.fromString(r.memoryLimit ?? r.memory),
      ...(r.cpuLimit ? { cpu: k8s.Quantity.fromString(r.cpuLimit) } : {}),
    },
  };
}

/** One pod per node for the selected pods (hard), spread over zones where possible (soft). */
export function antiAffinity(matchLabels: Record<string, string>): k8s.Affinity {
  return {
    podAntiAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels }, topologyKey: 'kubernetes.io/hostname' }],
      preferredDuringSchedulingIgnoredDuringExecution: [
        { weight: 100, podAffinityTerm: { labelSelector: { matchLabels }, topologyKey: 'topology.kubernetes.io/zone' } },
      ],
    },
  };
}

/**
 * Pod CIDRs of the other regions: where cross-cluster peers connect from (globalnet is off, so
 * Submariner keeps their pod addresses). The region's own CIDR is left out on purpose: it would
 * admit every pod of the local cluster; local peers are matched by pod and namespace selectors.
 */
export function remotePodCidrs(fleet: Fleet, region: Region): string[] {
  return fleet.regions.filter((r) => r.name !== region.name).map((r) => r.podCidr);
}

/**
 * Label on every Secret cert-manager writes for the stack (Certificate secretTemplate). Reloader
 * watches only Secrets carrying it (its resourceLabelSelector), so its informer never holds the
 * internal CA key pair, which is provisioned out of band without the label.
 */
export const RELOADER_WATCH_LABEL = { 'stretched-kafka.io/reloader-watch': 'true' } as const;

/** stakater Reloader: rolls the workload when one of the listed Secrets changes (on the workload's own metadata). */
export const RELOADER_SECRET_ANNOTATION = 'secret.reloader.stakater.com/reload';

/**
 * Reloader annotation naming every Secret the pod mounts, for workloads that read their
 * certificates once at start: renewed certificates then reach them by a rollout. Empty when the
 * pod mounts no Secret.
 */
export function reloadOnSecretChange(volumes: readonly k8s.Volume[]): Record<string, string> {
  const names = [...new Set(volumes.flatMap((v) => (v.secret?.secretName ? [v.secret.secretName] : [])))].sort();
  return names.length > 0 ? { [RELOADER_SECRET_ANNOTATION]: names.join(',') } : {};
}

/** The StatefulSet's `data` claim: one ReadWriteOnce volume per pod, sized from the fleet. */
export function dataVolumeClaim(storage: { readonly size: string; readonly storageClass: string }, labels: Record<string, string>): k8s.KubePersistentVolumeClaimProps {
  return {
    metadata: { name: 'data', labels },
    spec: {
      accessModes: ['ReadWriteOnce'],
      storageClassName: storage.storageClass,
      resources: { requests: { storage: k8s.Quantity.fromString(storage.size) } },
    },
  };
}
