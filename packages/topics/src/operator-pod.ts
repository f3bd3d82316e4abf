import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';
import { Fleet, IMAGES, Region, STACK_CLIENT_LABEL, labels, selectorLabels, strimziRelease } from '@stretched-kafka/fleet';
import { containerSecurityContext, podSecurityContext, reloadOnSecretChange, resourceRequirements } from '@stretched-kafka/platform';

/**
 * Strimzi's operator image in ZooKeeper mode: the last line that still supports ZooKeeper-based
 * clusters (0.45), at the Strimzi version pinned in versions.json with the CRD copies
 * (shared/crds/strimzi-0.45). KRaft mode runs the current line (strimziRelease).
 */
export const STRIMZI_OPERATOR_IMAGE = IMAGES.strimziOperator;

export interface OperatorPodProps {
  /** Component name: Deployment, ServiceAccount and label value. */
  readonly name: string;
  /** Script of the operator image that starts this operator. */
  readonly runScript: string;
  readonly env: k8s.EnvVar[];
  readonly volumes: k8s.Volume[];
  readonly volumeMounts: k8s.VolumeMount[];
  /** Port of the operator's /healthy and /ready endpoints. */
  readonly healthPort: number;
}

/**
 * One standalone Strimzi operator: a ServiceAccount and a single-replica Deployment (Recreate, so
 * that two reconcilers never overlap), hardened, carrying the stack client label the brokers'
 * NetworkPolicy admits to the internal listener, and a NetworkPolicy that admits nothing in (it serves only kubelet probes).
 */
export class OperatorPod extends Construct {
  constructor(scope: Construct, id: string, fleet: Fleet, region: Region, props: OperatorPodProps) {
    super(scope, id);
    const match = selectorLabels(fleet, props.name);
    const meta = { name: props.name, namespace: fleet.namespace, labels: labels(fleet, props.name, region) };
    new k8s.KubeServiceAccount(this, 'sa', { metadata: meta, automountServiceAccountToken: true });
    const probe = (path: string, initialDelaySeconds: number): k8s.Probe => ({
      httpGet: { path, port: k8s.IntOrString.fromNumber(props.healthPort) },
      initialDelaySeconds,
      periodSeconds: 30,
      timeoutSeconds: 5,
    });
    new k8s.KubeDeployment(this, 'deployment', {
      // The operators read their certificates once at start: a renewal reaches them by a rollout.
      metadata: { ...meta, annotations: reloadOnSecretChange(props.volumes) },
      spec: {
        replicas: 1,
        strategy: { type: 'Recreate' },
        selector: { matchLabels: match },
        template: {
          metadata: { labels: { ...labels(fleet, props.name, region), ...STACK_CLIENT_LABEL } },
          spec: {
            serviceAccountName: props.name,
            securityContext: podSecurityContext(fleet),
            volumes: [{ name: 'tmp', emptyDir: { medium: 'Memory', sizeLimit: k8s.Quantity.fromString('16Mi') } }, ...props.volumes],
            containers: [
              {
                name: props.name,
                image: strimziRelease(fleet.metadata.mode).operatorImage,
                imagePullPolicy: 'IfNotPresent',
                args: [props.runScript],
                env: props.env,
                ports: [{ name: 'health', containerPort: props.healthPort }],
                volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }, ...props.volumeMounts],
                livenessProbe: probe('/healthy', 30),
                readinessProbe: probe('/ready', 15),
                securityContext: containerSecurityContext(),
                resources: resourceRequirements({ cpu: '100m', memory: '384Mi', memoryLimit: '384Mi' }),
              },
            ],
          },
        },
      },
    });
    new k8s.KubeNetworkPolicy(this, 'netpol', {
      metadata: meta,
      spec: { podSelector: { matchLabels: match }, policyTypes: ['Ingress'] },
    });
  }
}
