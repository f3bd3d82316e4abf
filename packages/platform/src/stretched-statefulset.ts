import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';
import { labels, selectorLabels } from '@stretched-kafka/fleet';
import type { RegionProps } from '@stretched-kafka/core';
import { antiAffinity, dataVolumeClaim, podSecurityContext } from './security';
import { CONFIG_CHECKSUM_ANNOTATION } from './start-script';

export interface StretchedStatefulSetProps extends RegionProps {
  /** `app.kubernetes.io/name` of the pods; also the StatefulSet's name. */
  readonly component: string;
  readonly replicas: number;
  /** The headless Service that gives each pod its name. */
  readonly serviceName: string;
  /** Checksum of the ConfigMap data, stamped on the pod template so that a change rolls the pods. */
  readonly configChecksum: string;
  readonly terminationGracePeriodSeconds: number;
  readonly containers: k8s.Container[];
  readonly volumes: k8s.Volume[];
  /** The `data` PersistentVolumeClaim of each pod. */
  readonly storage: { readonly size: string; readonly storageClass: string };
  /**
   * Annotations of the StatefulSet itself (not of its pods).
   * @default none
   */
  readonly annotations?: Record<string, string>;
  /**
   * Pod affinity.
   * @default one pod of the component per node (antiAffinity)
   */
  readonly affinity?: k8s.Affinity;
}

/**
 * The StatefulSet shape brokers and ZooKeeper share: started in parallel (members wait for each
 * other before serving; started one by one, the first would never get ready), rolled one pod at a
 * time, hardened pod security context, no service links or API token, one `data` volume per pod.
 */
export class StretchedStatefulSet extends Construct {
  constructor(scope: Construct, id: string, props: StretchedStatefulSetProps) {
    super(scope, id);
    const { fleet, region, component } = props;
    const selector = selectorLabels(fleet, component);
    new k8s.KubeStatefulSet(this, 'Resource', {
      metadata: { name: component, namespace: fleet.namespace, labels: labels(fleet, component, region), ...(props.annotations ? { annotations: props.annotations } : {}) },
      spec: {
        replicas: props.replicas,
        serviceName: props.serviceName,
        podManagementPolicy: 'Parallel',
        updateStrategy: { type: 'RollingUpdate' },
        selector: { matchLabels: selector },
        template: {
          metadata: { labels: labels(fleet, component, region), annotations: { [CONFIG_CHECKSUM_ANNOTATION]: props.configChecksum } },
          spec: {
            securityContext: podSecurityContext(fleet),
            affinity: props.affinity ?? antiAffinity(selector),
            terminationGracePeriodSeconds: props.terminationGracePeriodSeconds,
            enableServiceLinks: false,
            automountServiceAccountToken: false,
            containers: props.containers,
            volumes: props.volumes,
          },
        },
        volumeClaimTemplates: [dataVolumeClaim(props.storage, selector)],
      },
    });
  }
}
