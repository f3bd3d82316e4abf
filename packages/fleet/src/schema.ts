import { z } from 'zod';
import { apiServerUrlProblem, caCertificateProblem, DNS1123_LABEL, gitRepoUrlProblem, gitRefProblem, goDurationSeconds, isDnsName, isDnsSubdomain, pinnedImageProblem } from './grammar';
import { VERSIONS } from './versions';

// The fleet is plain data. Every per-region difference is a field here; constructs never branch
// on a region's name. Units are in the field names.

/** A string checked by `problem` (undefined: fine; otherwise the reason, which becomes the message). */
function checked(problem: (s: string) => string | undefined) {
  return z.string().superRefine((s, ctx) => {
    const reason = problem(s);
    if (reason !== undefined) ctx.addIssue({ code: 'custom', message: reason });
  });
}

const dnsLabel = z
  .string()
  .regex(DNS1123_LABEL, 'must be a DNS-1123 label (lowercase letters, digits and "-", starting and ending alphanumeric)')
  .max(63, 'must be a DNS-1123 label of at most 63 characters');
/** A DNS name that reaches certificates or host names (Kubernetes' DNS-1123 subdomain, every label at most 63). */
const dnsName = checked((s) =>
  isDnsName(s) ? undefined : 'must be a DNS name: DNS-1123 labels of at most 63 lowercase letters, digits and "-" (alphanumeric at both ends), joined by single dots, at most 253 characters',
);
const QUANTITY = /^([0-9]+(?:\.[0-9]+)?)(m|Ki|Mi|Gi|Ti|k|M|G|T)?$/;
/** Largest value of a Kubernetes quantity in its smallest unit (int64 bytes or millicores). */
const MAX_QUANTITY_UNITS = 2 ** 63 - 1;
/** A quantity of at least `min` (bytes or cores) and at most an int64 of bytes or millicores. */
function quantity(min: string, what: string, scale = 1) {
  return z.string().superRefine((q, ctx) => {
    if (!QUANTITY.test(q)) ctx.addIssue({ code: 'custom', message: 'must be a Kubernetes quantity such as 500m, 2Gi or 300Gi' });
    else if (parseQuantity(q) < parseQuantity(min)) ctx.addIssue({ code: 'custom', message: `must be at least ${min}${what}` });
    else if (parseQuantity(q) * scale > MAX_QUANTITY_UNITS) ctx.addIssue({ code: 'custom', message: 'is larger than a Kubernetes quantity can hold' });
  });
}
/** Documented minimums: a disk below 1Gi or a pod below 128Mi / 10m holds no working Kafka or ZooKeeper node. */
export const MIN_STORAGE = '1Gi';
export const MIN_MEMORY = '128Mi';
export const MIN_CPU = '10m';
const storageQuantity = quantity(MIN_STORAGE, ' (a volume smaller than that holds no Kafka log or ZooKeeper snapshot)');
const memoryQuantity = quantity(MIN_MEMORY, ' (a JVM with a working heap needs more)');
const cpuQuantity = quantity(MIN_CPU, ' (less is no usable share of a core)', 1000);

/**
 * A whole number from `min` to `max`. YAML's core schema reads `1e6` as the number 1000000, which
 * is accepted like any other spelling of it; fractions, infinities and anything beyond
 * Number.MAX_SAFE_INTEGER (where JSON and YAML lose digits or switch to exponent form) are not.
 */
function wholeNumber(min: number, max: number = Number.MAX_SAFE_INTEGER, why = '') {
  const range = max === Number.MAX_SAFE_INTEGER ? (min === 0 ? ', zero or more' : min === 1 ? ' above zero' : ` of at least ${min}`) : ` from ${min} to ${max}`;
  const message = `must be a whole number${range}${why ? ` (${why})` : ''}`;
  return z.number().superRefine((n, ctx) => {
    if (!Number.isSafeInteger(n) || n < min || n > max) ctx.addIssue({ code: 'custom', message });
  });
}
const positiveInt = wholeNumber(1);
const nonNegativeInt = wholeNumber(0);
/** Java's Integer.MAX_VALUE: Kafka's int settings and the KafkaTopic partitions field. */
export const JAVA_INT_MAX = 2_147_483_647;
/** Kafka's reserved.broker.max.id (ZooKeeper mode): configured broker ids must not exceed it. */
export const MAX_BROKER_ID = 1000;
/** Kubernetes caps completions and parallelism of an Indexed Job at 100,000. */
const MAX_INDEXED_JOB_PODS = 100_000;
/** Kafka's default message.max.bytes (1048588, not raised here) bounds one record batch. */
const MAX_BATCH_BYTES = 1_048_576;
const finiteNumber = z.number().finite('must be a finite number');
const cidr = z.string().regex(/^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/, 'must be an IPv4 CIDR such as 10.128.0.0/14');
/** cert-manager's minimums: a certificate lives at least an hour and is renewed at least 5 minutes before it expires. */
export const MIN_CERT_DURATION_S = 3600;
export const MIN_RENEW_BEFORE_S = 300;
function certDuration(minSeconds: number, min: string) {
  return checked((s) => {
    const seconds = goDurationSeconds(s);
    if (seconds === undefined) return 'must be a Go duration such as 2160h, 720h30m or 1.5h (units h, m, s, ms, us, ns; no d)';
    return seconds < minSeconds ? `must be at least ${min} (cert-manager's minimum)` : undefined;
  });
}
const image = checked(pinnedImageProblem);
/** A CA rotation needs two (old and new); a few more leave room for a second issuer's chain. */
export const MAX_ADDITIONAL_CAS = 8;
const caCertificate = checked(caCertificateProblem);
const apiServerUrl = checked(apiServerUrlProblem);
// Kubernetes label syntax: an optional DNS-subdomain prefix and a name of at most 63 characters.
const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_PREFIX = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

function isLabelKey(k: string): boolean {
  const slash = k.indexOf('/');
  if (slash < 0) return LABEL_NAME.test(k);
  return LABEL_PREFIX.test(k.slice(0, slash)) && LABEL_NAME.test(k.slice(slash + 1));
}

/**
 * An equality-based label selector (`key=value,key2=value2`, a value may be empty) as matchLabels,
 * or undefined when the text is not one. A string rather than a map: fleet.yaml merges maps key by
 * key, which would AND a user's selector with the default one.
 */
export function parseLabelSelector(text: string): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const term of text.split(',')) {
    const eq = term.indexOf('=');
    if (eq < 0) return undefined;
    const [key, value] = [term.slice(0, eq).trim(), term.slice(eq + 1).trim()];
    if (!isLabelKey(key) || !(value === '' || LABEL_NAME.test(value)) || Object.prototype.hasOwnProperty.call(out, key)) return undefined;
    out[key] = value;
  }
  return out;
}

const resources = z
  .object({
    cpu: cpuQuantity,
    memory: memoryQuantity,
    cpuLimit: cpuQuantity.optional(),
    memoryLimit: memoryQuantity.optional(),
  })
  .strict();

const storage = z
  .object({
    size: storageQuantity,
    storageClass: checked((s) => (isDnsSubdomain(s) ? undefined : 'must be a storage class name: a DNS-1123 subdomain (lowercase letters, digits, "-" and ".", alphanumeric at both ends of every label, at most 253 characters)')),
  })
  .strict();

export const regionSchema = z
  .object({
    /** Region name: the folder under clusters/, `broker.rack` and the consumers' rack id. */
    name: dnsLabel,
    /** Submariner cluster id of the Kubernetes cluster in this region (part of every clusterset name). */
    clusterId: dnsLabel,
    /** Stable block number for node ids: broker ids start at idBlock * idsPerRegion. Never renumber a live region. */
    idBlock: wholeNumber(0, MAX_BROKER_ID),
    podCidr: cidr,
    serviceCidr: cidr,
    zookeeperReplicas: nonNegativeInt,
    /** KRaft controllers (quorum voters) in this region; metadata.mode kraft only, 0 otherwise. */
    controllerReplicas: nonNegativeInt.default(0),
    kafkaReplicas: wholeNumber(1, MAX_BROKER_ID + 1),
    producers: wholeNumber(0, MAX_INDEXED_JOB_PODS, 'pods of one Indexed Job'),
    consumers: wholeNumber(0, MAX_INDEXED_JOB_PODS, 'pods of one Indexed Job'),
    /** API server URL as the Argo CD control cluster knows it (destination of this region's Application). */
    kubeApiServer: apiServerUrl,
  })
  .strict();

export const fleetSchema = z
  .object({
    /** Logical Kafka cluster name, used in labels and certificate organisations. */
    name: dnsLabel,
    /**
     * Kind of cluster in every region. `openshift`: the restricted-v2 SCC assigns user, group and
     * fsGroup from the namespace's range, so pods must not set them; `kubernetes`: pods set them.
     */
    platform: z.enum(['openshift', 'kubernetes']),
    /** Namespace holding the stack; it must be the same in every cluster (clusterset DNS needs it). */
    namespace: dnsLabel,
    /** How many ids each region's block spans; ZooKeeper ids are 1-based inside the block. */
    idsPerRegion: wholeNumber(1, MAX_BROKER_ID + 1),
    network: z
      .object({
        /** Worst measured inter-region throughput, bytes per second. */
        bandwidthBytesPerSecond: positiveInt,
        /** Worst measured inter-region round-trip latency, milliseconds. */
        latencyMs: finiteNumber.positive('must be above zero'),
        /** Cluster-local DNS domain of every cluster. */
        clusterDomain: dnsName,
        /**
         * Pod and service CIDRs outside private space (RFC 1918, RFC 6598 100.64.0.0/10) are refused
         * unless this is true: the NetworkPolicies admit every address of the other regions' pod CIDRs.
         */
        allowPublicPodCidrs: z.boolean(),
      })
      .strict(),
    /**
     * Where the cluster keeps its metadata. `zookeeper` (the reference): a ZooKeeper ensemble and
     * Kafka 3.9 on Strimzi 0.45's image. `kraft`: a KRaft controller quorum and Kafka 4.x on the
     * image of Strimzi's current line (kafka.image and kafka.version default to it in this mode).
     */
    metadata: z
      .object({
        /**
         * `migration`: a live ZooKeeper-mode cluster on its way to KRaft, one phase of Kafka 3.9's
         * documented procedure at a time (metadata.phase; README, "ZooKeeper to KRaft").
         */
        mode: z.enum(['zookeeper', 'migration', 'kraft']),
        /**
         * metadata.mode migration only: 1 controllers in migration mode next to ZooKeeper, 2 brokers
         * rolled with the migration settings, 3 brokers rolled into KRaft mode, 4 finalized
         * (controllers out of migration mode, ZooKeeper removed). One step per commit.
         */
        phase: wholeNumber(1, 4, 'the four phases of the ZooKeeper-to-KRaft migration').optional(),
        /**
         * KRaft cluster id (22 characters, base64url of 16 bytes), written into every controller's
         * and broker's storage when it is first formatted; it can never change afterwards. In
         * migration mode it is required and must be the ZooKeeper cluster's own id (its /cluster/id
         * znode, cluster.id in a broker's meta.properties).
         * @default derived from name and namespace (kraftClusterId)
         */
        clusterId: checked(kraftClusterIdProblem).optional(),
      })
      .strict(),
    regions: z.array(regionSchema).min(1, 'must list at least one region'),
    zookeeper: z
      .object({
        storage,
        resources,
        heapMb: wholeNumber(64),
      })
      .strict(),
    /** The KRaft controllers (metadata.mode kraft); per-region counts are regions[].controllerReplicas. */
    controllers: z
      .object({
        storage,
        resources,
        heapMb: wholeNumber(64),
      })
      .strict(),
    kafka: z
      .object({
        image,
        /**
         * Apache Kafka version inside the image: 3.x in ZooKeeper mode (`inter.broker.protocol.version`
         * is derived from it), 4.x in KRaft mode.
         */
        version: z.string().regex(/^[34]\.[0-9]\.(0|[1-9][0-9]*)$/, `must be an Apache Kafka version such as ${VERSIONS.kafka} (3.x, ZooKeeper mode) or ${VERSIONS.kraft.kafka} (4.x, KRaft mode)`),
        replicationFactor: wholeNumber(1, 32_767, "Kafka's replication factor is a short"),
        minInsyncReplicas: positiveInt,
        /** Default partitions for topics created without an explicit count; a multiple of the broker count. */
        defaultPartitions: wholeNumber(1, JAVA_INT_MAX, 'a Java int'),
        storage,
        resources,
        heapMb: wholeNumber(64),
      })
      .strict(),
    pki: z
      .object({
        /**
         * The application-facing issuer: it signs the brokers' client-listener certificate and the
         * application client certificates (the load producers and consumers). Whoever may request
         * certificates from it can be a Kafka client with the ACLs of a KafkaUser of that name, and
         * never more (see README, trust model).
         */
        issuer: z.discriminatedUnion('kind', [
          z.object({ kind: z.literal('ClusterIssuer'), name: dnsLabel }).strict(),
          z.object({ kind: z.literal('Issuer'), name: dnsLabel, caSecretName: dnsLabel }).strict(),
        ]),
        /**
         * The stack's own CA: a namespaced cert-manager Issuer in the stack namespace of every
         * cluster, backed by one CA key pair Secret (the same in every cluster, provisioned out of
         * band). It alone signs broker, ZooKeeper, operator, AKHQ and admin identities; the
         * brokers' internal listener and ZooKeeper trust nothing else.
         */
        internal: z
          .object({
            issuerName: dnsLabel,
            caSecretName: dnsLabel,
          })
          .strict(),
        /**
         * CA certificates (PEM, one per entry) trusted in addition to the issuing CA, for a CA
         * rotation with an overlap (docs/operations.md): `internal` by the brokers' internal
         * listener and ZooKeeper, `issuer` by the brokers' client listener. The generator writes
         * them into the trust ConfigMap the brokers and ZooKeeper mount; their truststore is the
         * issuing CA (the Secret's ca.crt) plus these. Public certificates only, never a key.
         */
        additionalTrust: z
          .object({
            internal: z.array(caCertificate).max(MAX_ADDITIONAL_CAS, `must list at most ${MAX_ADDITIONAL_CAS} CA certificates`),
            issuer: z.array(caCertificate).max(MAX_ADDITIONAL_CAS, `must list at most ${MAX_ADDITIONAL_CAS} CA certificates`),
          })
          .strict(),
        duration: certDuration(MIN_CERT_DURATION_S, '1h'),
        renewBefore: certDuration(MIN_RENEW_BEFORE_S, '5m'),
      })
      .strict(),
    submariner: z
      .object({
        brokerRegion: dnsLabel,
        cableDriver: z.enum(['vxlan', 'libreswan', 'wireguard']),
        globalnet: z.literal(false, { errorMap: () => ({ message: 'must be false: globalnet rewrites pod addresses, the stretched cluster relies on non-overlapping CIDRs' }) }),
        version: z.string().regex(/^\d+\.\d+\.\d+$/, `must be a Submariner release such as ${VERSIONS.submariner}`),
        /** Name of the Secret (in every cluster) holding the broker's API token and CA; created out of band. */
        joinSecretName: dnsLabel,
        brokerNamespace: dnsLabel,
        /** Broker API server URL as the joined clusters reach it. */
        brokerApiServer: apiServerUrl,
      })
      .strict(),
    topic: z
      .object({
        name: checked(topicNameProblem),
        partitions: wholeNumber(1, JAVA_INT_MAX, 'a Java int'),
        /** Region whose cluster runs the Topic and User Operators (one reconciler per topic). */
        managementRegion: dnsLabel,
      })
      .strict(),
    load: z
      .object({
        image,
        records: positiveInt,
        recordBytes: wholeNumber(1, MAX_BATCH_BYTES, "a record must fit a batch under Kafka's message.max.bytes"),
        batchBytes: wholeNumber(1, MAX_BATCH_BYTES, "Kafka's message.max.bytes, 1048588 by default, bounds a batch"),
        lingerMs: wholeNumber(0, 60_000, 'the load program waits at most a minute'),
        /** Bump to re-run the Jobs: it is part of their names (a Job's pod template is immutable). */
        run: nonNegativeInt,
      })
      .strict(),
    akhq: z
      .object({
        image,
        exposure: z.enum(['ingress', 'route', 'none']),
        /** Host name suffix; each region gets akhq.<region>.<domain>. */
        domain: dnsName,
        readOnly: z.boolean(),
        /** Whether the UI may show record contents (keys, values, headers); metadata and lag stay visible. */
        allowDataRead: z.boolean(),
        /**
         * With exposure `ingress`: label selector (`key=value,...`) of the namespace(s) whose pods may
         * reach the UI, i.e. the ingress controller's. Absent: the platform's usual one (see
         * akhqIngressNamespaceSelector).
         */
        ingressNamespaceSelector: z
          .string()
          .refine((s) => parseLabelSelector(s) !== undefined, 'must be a label selector such as kubernetes.io/metadata.name=ingress-nginx (key=value, comma-separated; an empty selector would admit every namespace)')
          .optional(),
      })
      .strict(),
    monitoring: z
      .object({
        /** PodMonitors, PrometheusRules and the Grafana dashboard (the `monitoring` layer), and the JMX exporter agent on every broker and ZooKeeper node. */
        enabled: z.boolean(),
        /**
         * Namespace of the Prometheus that scrapes the pods; the NetworkPolicies admit its pods to the
         * metrics port. Absent: the platform's usual one (see prometheusNamespace).
         */
        prometheusNamespace: dnsLabel.optional(),
        /** Scrape interval of the PodMonitors and evaluation interval of the rules; the alerts' `for` and promised bounds follow from it. */
        scrapeIntervalSeconds: wholeNumber(1, 300, 'Prometheus scrapes at most every 5 minutes before series go stale'),
        /** The runbook page (docs/runbooks.md as your Git host shows it); each alert's runbook_url is this plus `#<alert>`. */
        runbookUrl: z.string().regex(/^https:\/\/[^\s#{}]+$/, 'must be an https:// URL without spaces, "#", "{" or "}" such as https://git.example.com/platform/kafka/-/blob/main/docs/runbooks.md'),
      })
      .strict(),
    gitops: z
      .object({
        repoUrl: checked(gitRepoUrlProblem),
        /** Branch, tag or commit; a Git ref name (git check-ref-format) or a commit id. */
        revision: checked((s) => {
          const reason = gitRefProblem(s);
          return reason && `must be a Git branch, tag or commit id: ${reason}`;
        }),
        /** Folder in the repo holding clusters/. */
        path: z
          .string()
          .regex(/^[A-Za-z0-9._\/-]+$/, 'must be a relative path of letters, digits and . _ - /')
          .refine(
            (p) => p.split('/').every((seg) => seg !== '' && seg !== '.' && seg !== '..'),
            'must be a relative folder inside the repository such as clusters or deploy/clusters (no leading or trailing /, no . or .. segments)',
          ),
        automatedSync: z.boolean(),
        prune: z.boolean(),
        selfHeal: z.boolean(),
      })
      .strict(),
    cost: z
      .object({
        instanceUsdPerHour: finiteNumber.nonnegative('must be zero or more'),
        storageUsdPerGbMonth: finiteNumber.nonnegative('must be zero or more'),
        interRegionUsdPerGb: finiteNumber.nonnegative('must be zero or more'),
        /** Throughput the cost per message is computed at (the field report reached 1.45 GB/s). */
        throughputBytesPerSecond: positiveInt,
      })
      .strict(),
  })
  .strict();

export type Fleet = z.infer<typeof fleetSchema>;
export type Region = z.infer<typeof regionSchema>;
export type Resources = z.infer<typeof resources>;

/**
 * A KRaft cluster id as Kafka's Uuid reads it: 22 characters of URL-safe base64 without padding,
 * 16 bytes, not the all-zero id (Kafka reserves it).
 */
function kraftClusterIdProblem(id: string): string | undefined {
  const bytes = /^[A-Za-z0-9_-]{22}$/.test(id) ? Buffer.from(id, 'base64url') : undefined;
  if (!bytes || bytes.length !== 16 || bytes.toString('base64url') !== id) {
    return 'must be a Kafka cluster id: 22 characters of URL-safe base64 encoding 16 bytes, as kafka-storage.sh random-uuid prints';
  }
  return bytes.every((b) => b === 0) ? 'must not be the all-zero id (Kafka reserves it)' : undefined;
}

const units: Record<string, number> = { m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, '': 1 };

/**
 * Kafka's topic name rule (Topic.validate: 1-249 of [a-zA-Z0-9._-], not "." or ".."), and the
 * KafkaTopic metadata.name derived from it (packages/topics: lowercased, other characters to "-",
 * trimmed to alphanumerics) must be a DNS-1123 subdomain.
 */
function topicNameProblem(name: string): string | undefined {
  if (!/^[a-zA-Z0-9._-]{1,249}$/.test(name) || name === '.' || name === '..') {
    return 'must be a Kafka topic name: 1 to 249 letters, digits, ".", "_" and "-", not "." or ".."';
  }
  const resource = name.toLowerCase().replace(/[^a-z0-9.-]+/g, '-').replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '');
  if (!isDnsSubdomain(resource)) {
    return `gives the KafkaTopic name "${resource}", which is not a DNS-1123 subdomain: every dot-separated part must start and end with a letter or digit`;
  }
  return undefined;
}

/** Value of a Kubernetes quantity in base units (bytes or cores). */
export function parseQuantity(q: string): number {
  const m = QUANTITY.exec(q);
  if (!m) throw new Error(`not a quantity: ${q}`);
  return Number(m[1]) * units[m[2] ?? ''];
}
