import { k8s } from 'cdk8s-plus-27';
import { Fleet, Resources } from '@stretched-kafka/fleet';

// Set explicitly on every pod and container the project writes; nothing is inherited from
// library defaults. Strimzi's image runs as uid 1001; fsGroup makes mounted volumes writable.

export const RUN_AS_USER = 1001;

export function podSecurityContext(): k8s.PodSecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: RUN_AS_USER,
    runAsGroup: 0,
    fsGroup: 0,
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

/** Pod CIDRs of every region: where cross-cluster peers connect from (globalnet is off). */
export function fleetPodCidrs(fleet: Fleet): string[] {
  return fleet.regions.map((r) => r.podCidr);
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
