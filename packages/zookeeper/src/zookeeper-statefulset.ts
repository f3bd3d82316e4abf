import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';
import { Fleet, Region, TLS, TLS_MOUNT, TRUST_BUNDLE, TRUST_MOUNT, ZOOKEEPER, metricsContainerPorts } from '@stretched-kafka/fleet';
import { CONFIG_MOUNT, StretchedStatefulSet, containerSecurityContext, resourceRequirements } from '@stretched-kafka/platform';
import { ZOOKEEPER_CONFIG_KEYS, ZOOKEEPER_VOLUME_MOUNT } from './config';
import { ZOOKEEPER_CONFIG_MAP } from './zookeeper-config';

export interface ZookeeperStatefulSetProps {
  readonly fleet: Fleet;
  readonly region: Region;
  /** Checksum of the ConfigMap data, stamped on the pod template. */
  readonly configChecksum: string;
  /**
   * Seconds ZooKeeper gets to close sessions and snapshot on shutdown.
   * @default 60
   */
  readonly terminationGracePeriodSeconds?: number;
}

/** StatefulSet `zookeeper`: this region's members of the stretched ensemble. */
export class ZookeeperStatefulSet extends Construct {
  constructor(scope: Construct, id: string, props: ZookeeperStatefulSetProps) {
    super(scope, id);
    const { fleet, region } = props;
    const zk = fleet.zookeeper;
    const probe = (mode: 'ready' | 'live', p: Partial<k8s.Probe>): k8s.Probe => ({
      exec: { command: ['/bin/bash', `${CONFIG_MOUNT}/${ZOOKEEPER_CONFIG_KEYS.health}`, mode] },
      timeoutSeconds: 10,
      periodSeconds: 10,
      ...p,
    });
    new StretchedStatefulSet(this, 'Resource', {
      fleet,
      region,
      component: ZOOKEEPER.name,
      replicas: region.zookeeperReplicas,
      serviceName: ZOOKEEPER.headless,
      configChecksum: props.configChecksum,
      terminationGracePeriodSeconds: props.terminationGracePeriodSeconds ?? 60,
      containers: [
        {
          name: 'zookeeper',
          image: fleet.kafka.image,
          imagePullPolicy: 'IfNotPresent',
          command: ['/bin/bash', `${CONFIG_MOUNT}/${ZOOKEEPER_CONFIG_KEYS.start}`],
          env: [
            { name: 'HOSTNAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
            { name: 'KAFKA_HEAP_OPTS', value: `-Xms${zk.heapMb}m -Xmx${zk.heapMb}m` },
          ],
          ports: [
            { name: 'tls-client', containerPort: ZOOKEEPER.clientPort, protocol: 'TCP' },
            { name: 'quorum', containerPort: ZOOKEEPER.quorumPort, protocol: 'TCP' },
            { name: 'election', containerPort: ZOOKEEPER.electionPort, protocol: 'TCP' },
            ...metricsContainerPorts(fleet),
          ],
          resources: resourceRequirements(zk.resources),
          securityContext: containerSecurityContext(),
          // Ready = in the quorum (srvr reports a role); live = the process answers at all,
          // so an isolated region's members are not restarted just for lacking a quorum.
          readinessProbe: probe('ready', { initialDelaySeconds: 10 }),
          livenessProbe: probe('live', { initialDelaySeconds: 60, failureThreshold: 6 }),
          volumeMounts: [
            { name: 'data', mountPath: ZOOKEEPER_VOLUME_MOUNT },
            { name: 'config', mountPath: CONFIG_MOUNT, readOnly: true },
            { name: 'tls', mountPath: TLS_MOUNT, readOnly: true },
            { name: 'trust', mountPath: TRUST_MOUNT, readOnly: true },
            // Rendered zoo.cfg, LOG_DIR and the JVM's scratch files (root filesystem is read-only).
            { name: 'tmp', mountPath: '/tmp' },
          ],
        },
      ],
      volumes: [
        { name: 'config', configMap: { name: ZOOKEEPER_CONFIG_MAP, defaultMode: 0o555 } },
        { name: 'tls', secret: { secretName: TLS.zookeeper.secret, defaultMode: 0o440 } },
        { name: 'trust', configMap: { name: TRUST_BUNDLE.configMap, defaultMode: 0o444 } },
        { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('256Mi') } },
      ],
      storage: zk.storage,
    });
  }
}
