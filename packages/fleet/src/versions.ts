import pins from '../../../versions.json';

/**
 * Every pinned version, read from `versions.json` at the repository root: the one place to bump.
 * Files that cannot import it repeat a value (pom.xml, cdk8s.yaml, packages/loadgen/Dockerfile,
 * the CRD copies, the README); test/versions.test.ts fails when one of them disagrees.
 * The e2e API-server harness pins Kubernetes, etcd and kustomize in e2e/k8s/go.mod instead.
 */
export interface Versions {
  /** Strimzi release: the broker image, the standalone operators and their KafkaTopic/KafkaUser CRDs. */
  readonly strimzi: string;
  /** Apache Kafka inside the Strimzi image (fleet `kafka.version`, pom.xml `kafka.version`). */
  readonly kafka: string;
  /**
   * The KRaft line (fleet metadata.mode kraft): Strimzi's current operator release and the Kafka
   * 4.x inside its image (also on Maven Central, which the real-Kafka harness fetches).
   */
  readonly kraft: { readonly strimzi: string; readonly kafka: string };
  readonly akhq: string;
  /** Tag of the load generator image built from packages/loadgen/Dockerfile. */
  readonly load: string;
  /** Base image tag of packages/loadgen/Dockerfile. */
  readonly node: string;
  /** cert-manager Helm chart (the chart's tags carry the `v`). */
  readonly certManager: string;
  /** Submariner release: fleet `submariner.version`, which also pins the operator chart. */
  readonly submariner: string;
  /** stakater Reloader Helm chart. */
  readonly reloader: string;
  /** Kubernetes API the manifests target: cdk8s-plus-<minor> and schemas/k8s-<version>.json. */
  readonly kubernetesApi: string;
  /**
   * The logging Kafka's own distribution ships, for the e2e classpath (pom.xml): slf4j with
   * reload4j for Kafka 3.x, log4j2 (with its slf4j 1.7 binding) for Kafka 4.x.
   */
  readonly kafkaLibs: { readonly slf4j: string; readonly reload4j: string; readonly log4j2: string };
  /** Prometheus Operator release of the PodMonitor / PrometheusRule CRD copies (e2e/k8s/crds/prometheus-operator). */
  readonly prometheusOperator: string;
  /**
   * Prometheus JMX exporter java agent: `image`, the one Strimzi's image ships in
   * /opt/prometheus-jmx-exporter (documentation: the pod uses whatever jar is there); `maven`, the
   * newest release on Maven Central (1.1.0 and later are published on GitHub only), which the
   * real-Kafka harness runs through pom.xml.
   */
  readonly jmxExporter: { readonly image: string; readonly maven: string };
}

export const VERSIONS: Versions = pins;

/** `<major>.<minor>` of a version: the Strimzi line names the CRD copies' folder (`strimzi-0.45`). */
export function versionLine(version: string): string {
  return version.replace(/^v/, '').split('.').slice(0, 2).join('.');
}

/** The pinned images, built from VERSIONS. */
export const IMAGES = {
  /** Strimzi's Kafka image: brokers and ZooKeeper. */
  kafka: `quay.io/strimzi/kafka:${VERSIONS.strimzi}-kafka-${VERSIONS.kafka}`,
  /** Strimzi's operator image: the standalone Topic and User Operators. */
  strimziOperator: `quay.io/strimzi/operator:${VERSIONS.strimzi}`,
  /** Strimzi's Kafka image of the KRaft line (metadata.mode kraft): controllers and brokers. */
  kafkaKraft: `quay.io/strimzi/kafka:${VERSIONS.kraft.strimzi}-kafka-${VERSIONS.kraft.kafka}`,
  /** The operator image of the KRaft line. */
  strimziOperatorKraft: `quay.io/strimzi/operator:${VERSIONS.kraft.strimzi}`,
  akhq: `tchiotludo/akhq:${VERSIONS.akhq}`,
  load: `ghcr.io/example/stretched-kafka-load:${VERSIONS.load}`,
  node: `node:${VERSIONS.node}`,
} as const;

/** A version the README must state, as the exact text it must contain. */
export interface VersionFact {
  readonly what: string;
  readonly text: string;
}

/**
 * What the README must say about versions (test/versions.test.ts checks each text appears, and
 * that no other version of the same thing is named there or in docs/).
 */
export function readmeVersionFacts(): VersionFact[] {
  return [
    { what: 'default broker image (fleet kafka.image)', text: IMAGES.kafka },
    { what: 'Strimzi release of the default image', text: `Strimzi ${VERSIONS.strimzi}` },
    { what: 'Kafka release (fleet kafka.version)', text: `Kafka ${VERSIONS.kafka}` },
    { what: 'broker and controller image in KRaft mode (metadata.mode kraft)', text: IMAGES.kafkaKraft },
    { what: 'Strimzi release of the KRaft image line', text: `Strimzi ${VERSIONS.kraft.strimzi}` },
    { what: 'Kafka release in KRaft mode', text: `Kafka ${VERSIONS.kraft.kafka}` },
  ];
}

/** The Strimzi release a metadata mode runs on: its version, operator image and the KafkaTopic/KafkaUser API it serves. */
export interface StrimziRelease {
  readonly version: string;
  readonly operatorImage: string;
  /** `kafka.strimzi.io/v1beta2` up to 0.45; the 1.x line serves only `kafka.strimzi.io/v1`. */
  readonly apiVersion: string;
}

/**
 * ZooKeeper mode stays on Strimzi 0.45, the last line whose operators know ZooKeeper-based
 * clusters; KRaft mode runs the current line, whose image carries Kafka 4.x.
 */
export function strimziRelease(mode: 'zookeeper' | 'migration' | 'kraft'): StrimziRelease {
  // A migration runs on Kafka 3.9 throughout, so on Strimzi 0.45's operators (they work against
  // ZooKeeper-mode and KRaft brokers alike); Strimzi's current line comes with Kafka 4, after it.
  return mode === 'kraft'
    ? { version: VERSIONS.kraft.strimzi, operatorImage: IMAGES.strimziOperatorKraft, apiVersion: 'kafka.strimzi.io/v1' }
    : { version: VERSIONS.strimzi, operatorImage: IMAGES.strimziOperator, apiVersion: 'kafka.strimzi.io/v1beta2' };
}
