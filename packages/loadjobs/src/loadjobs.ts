import { Construct } from 'constructs';
import { Chart } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Fleet, KAFKA, KAFKA_CLIENT_LABEL, Region, TLS, TLS_MOUNT, labels, selectorLabels } from '@stretched-kafka/fleet';
import { containerSecurityContext, podSecurityContext, resourceRequirements } from '@stretched-kafka/platform';
import { INDEX_ENV, TERMINATION_GRACE_S, consumerArgs, producerArgs } from './args';
import type { Component, RegionProps } from '@stretched-kafka/core';

export const LOAD_COMMAND = 'stretched-kafka-load';

/**
 * Both GitOps tools must delete and recreate a Job whose template changed (a Job's pod template
 * is immutable, a plain apply fails). Changing load settings therefore re-runs the Jobs; bumping
 * load.run renames them, so the new run starts and the old Jobs are pruned.
 */
export const RECREATE_ANNOTATIONS = {
  'argocd.argoproj.io/sync-options': 'Force=true,Replace=true',
  'kustomize.toolkit.fluxcd.io/force': 'enabled',
} as const;

export function jobName(role: 'producer' | 'consumer', fleet: Fleet): string {
  return `${role}-r${fleet.load.run}`;
}

export interface LoadJobProps extends RegionProps {
  readonly role: 'producer' | 'consumer';
  readonly count: number;
  readonly secret: string;
  readonly args: string[];
  /** A producer retried by the Job would re-send its sequence and blur the verify result; a consumer may simply rejoin. */
  readonly backoffLimit: number;
}

/** One Indexed Job of `count` load pods in one role. */
export class LoadJob extends Construct {
  constructor(scope: Construct, id: string, props: LoadJobProps) {
    super(scope, id);
    const { fleet, region } = props;
    const component = `load-${props.role}`;
    const loadPods = { 'app.kubernetes.io/part-of': fleet.name, 'stretched-kafka.io/load': 'true' };
    new k8s.KubeJob(this, 'Resource', {
      metadata: { name: jobName(props.role, fleet), namespace: fleet.namespace, labels: labels(fleet, component, region), annotations: { ...RECREATE_ANNOTATIONS } },
      spec: {
        completionMode: 'Indexed',
        completions: props.count,
        parallelism: props.count,
        backoffLimit: props.backoffLimit,
        // No ttlSecondsAfterFinished on purpose: Argo CD and Flux would see the deleted Job as drift
        // and recreate it, i.e. run the load again. Finished Jobs stay (their logs hold the report)
        // until load.run is bumped and they are pruned.
        template: {
          metadata: { labels: { ...labels(fleet, component, region), ...loadPods, ...KAFKA_CLIENT_LABEL } },
          spec: {
            restartPolicy: 'Never',
            // Covers the program's capped shutdown (flush or group leave, then disconnect) so that
            // a deleted Job's pods still print their summary before SIGKILL.
            terminationGracePeriodSeconds: TERMINATION_GRACE_S,
            automountServiceAccountToken: false,
            securityContext: podSecurityContext(fleet),
            affinity: {
              podAntiAffinity: {
                preferredDuringSchedulingIgnoredDuringExecution: [
                  { weight: 100, podAffinityTerm: { labelSelector: { matchLabels: selectorLabels(fleet, KAFKA.name) }, topologyKey: 'kubernetes.io/hostname' } },
                  { weight: 50, podAffinityTerm: { labelSelector: { matchLabels: loadPods }, topologyKey: 'kubernetes.io/hostname' } },
                ],
              },
            },
            volumes: [
              { name: 'tls', secret: { secretName: props.secret, items: [{ key: 'ca.crt', path: 'ca.crt' }, { key: 'tls.crt', path: 'tls.crt' }, { key: 'tls.key', path: 'tls.key' }] } },
              { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('64Mi') } },
            ],
            containers: [
              {
                name: props.role,
                image: fleet.load.image,
                imagePullPolicy: 'IfNotPresent',
                command: [LOAD_COMMAND],
                args: props.args,
                env: [{ name: INDEX_ENV, valueFrom: { fieldRef: { fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']" } } }],
                volumeMounts: [
                  { name: 'tls', mountPath: TLS_MOUNT, readOnly: true },
                  { name: 'tmp', mountPath: '/tmp' },
                ],
                securityContext: containerSecurityContext(),
                resources: resourceRequirements({ cpu: '1', memory: '1Gi', memoryLimit: '1Gi' }),
              },
            ],
          },
        },
      },
    });
  }
}

/**
 * Load Jobs of one region: one Indexed Job of region.producers producers and one of
 * region.consumers consumers (a region with 0 gets no Job). The completion index makes each
 * pod's client id unique and stable.
 */
export const loadJobsComponent = {
  name: 'loadjobs',
  wave: 70,
  /**
   * Synced by Argo CD apart from the stack (Applications `<fleet>-<region>-load`, no rolling sync).
   * In the stack Application a running Job keeps the region Progressing and a failed one Degraded,
   * so the region-by-region rollout would start one region's load only after the previous region's
   * finished (the regions would never load the cluster together) and hold every configuration
   * change behind a running or failed test. Apart, the Jobs are no longer ordered after their
   * region's other layers, and were never ordered after the management region's topics layer:
   * they need no ordering for the topic and its ACLs, as each pod waits up to WAIT_FOR_TOPIC_S
   * (--wait-for-topic-s) for them, and the kubelet holds a pod until the TLS Secret it mounts
   * exists. Brokers that do not answer yet are not waited for (a producer fails at once), which
   * matters on a first install only: there the root app of apps creates this ApplicationSet after
   * the stack's one is Healthy (gitops package, ARGOCD_WAVES).
   */
  separateSync: { name: 'load' },
  build(chart: Chart, fleet: Fleet, region: Region): void {
    if (region.producers > 0) {
      new LoadJob(chart, 'producer', { fleet, region, role: 'producer', count: region.producers, secret: TLS.producer.secret, args: producerArgs(fleet, region), backoffLimit: 0 });
    }
    if (region.consumers > 0) {
      new LoadJob(chart, 'consumer', { fleet, region, role: 'consumer', count: region.consumers, secret: TLS.consumer.secret, args: consumerArgs(fleet, region), backoffLimit: region.consumers });
    }
  },
} satisfies Component;
