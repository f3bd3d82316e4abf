import { z } from 'zod';

// The fleet is plain data. Every per-region difference is a field here; constructs never branch
// on a region's name. Units are in the field names.

const dnsLabel = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a DNS-1123 label (lowercase letters, digits and "-", starting and ending alphanumeric)')
  .max(63, 'must be a DNS-1123 label of at most 63 characters');
const QUANTITY = /^([0-9]+(?:\.[0-9]+)?)(m|Ki|Mi|Gi|Ti|k|M|G|T)?$/;
const quantity = z.string().regex(QUANTITY, 'must be a Kubernetes quantity such as 500m, 2Gi or 300Gi');
// zod runs refinements even after the regex failed; an unparseable value is reported by the regex.
const storageQuantity = quantity.refine((q) => !QUANTITY.test(q) || parseQuantity(q) > 0, 'must be a quantity above zero such as 300Gi');
const positiveInt = z.number().int('must be a whole number').positive('must be a whole number above zero');
const nonNegativeInt = z.number().int('must be a whole number').nonnegative('must be a whole number, zero or more');
const cidr = z.string().regex(/^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/, 'must be an IPv4 CIDR such as 10.128.0.0/14');
const duration = z.string().regex(/^([0-9]+h)?([0-9]+m)?([0-9]+s)?$/, 'must be a Go duration in hours/minutes/seconds such as 2160h').refine((s) => s.length > 0, 'must not be empty');
const image = z.string().regex(/^[^\s:@]+(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[a-f0-9]{64})?$/, 'must be an image reference').refine(
  (s) => /:[^/]+$/.test(s) || s.includes('@sha256:'),
  'must be pinned with a tag or digest (no implicit latest)',
).refine((s) => !/:latest$/.test(s), 'must be pinned to a version, not latest');
const url = z.string().regex(/^(https?|ssh):\/\/\S+$|^git@\S+:\S+$/, 'must be an https://, ssh:// or git@host:path URL');
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
    cpu: quantity,
    memory: quantity,
    cpuLimit: quantity.optional(),
    memoryLimit: quantity.optional(),
  })
  .strict();

const storage = z.object({ size: storageQuantity, storageClass: dnsLabel.or(z.string().regex(/^[a-z0-9.-]+$/, 'must be a storage class name')) }).strict();

export const regionSchema = z
  .object({
    /** Region name: the folder under clusters/, `broker.rack` and the consumers' rack id. */
    name: dnsLabel,
    /** Submariner cluster id of the Kubernetes cluster in this region (part of every clusterset name). */
    clusterId: dnsLabel,
    /** Stable block number for node ids: broker ids start at idBlock * idsPerRegion. Never renumber a live region. */
    idBlock: nonNegativeInt,
    podCidr: cidr,
    serviceCidr: cidr,
    zookeeperReplicas: nonNegativeInt,
    kafkaReplicas: positiveInt,
    producers: nonNegativeInt,
    consumers: nonNegativeInt,
    /** API server URL as the Argo CD control cluster knows it (destination of this region's Application). */
    kubeApiServer: url,
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
    idsPerRegion: positiveInt,
    network: z
      .object({
        /** Worst measured inter-region throughput, bytes per second. */
        bandwidthBytesPerSecond: positiveInt,
        /** Worst measured inter-region round-trip latency, milliseconds. */
        latencyMs: z.number().positive('must be above zero'),
        /** Cluster-local DNS domain of every cluster. */
        clusterDomain: z.string().regex(/^[a-z0-9.-]+$/, 'must be a DNS domain'),
      })
      .strict(),
    regions: z.array(regionSchema).min(1, 'must list at least one region'),
    zookeeper: z
      .object({
        storage,
        resources,
        heapMb: positiveInt,
      })
      .strict(),
    kafka: z
      .object({
        image,
        /** Apache Kafka version inside the image (`inter.broker.protocol.version` is derived from it). */
        version: z.string().regex(/^3\.\d+\.\d+$/, 'must be an Apache Kafka 3.x version such as 3.9.0 (ZooKeeper mode)'),
        replicationFactor: positiveInt,
        minInsyncReplicas: positiveInt,
        /** Default partitions for topics created without an explicit count; a multiple of the broker count. */
        defaultPartitions: positiveInt,
        storage,
        resources,
        heapMb: positiveInt,
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
        duration,
        renewBefore: duration,
      })
      .strict(),
    submariner: z
      .object({
        brokerRegion: dnsLabel,
        cableDriver: z.enum(['vxlan', 'libreswan', 'wireguard']),
        globalnet: z.literal(false, { errorMap: () => ({ message: 'must be false: globalnet rewrites pod addresses, the stretched cluster relies on non-overlapping CIDRs' }) }),
        version: z.string().regex(/^\d+\.\d+\.\d+$/, 'must be a Submariner release such as 0.18.5'),
        /** Name of the Secret (in every cluster) holding the broker's API token and CA; created out of band. */
        joinSecretName: dnsLabel,
        brokerNamespace: dnsLabel,
        /** Broker API server URL as the joined clusters reach it. */
        brokerApiServer: url,
      })
      .strict(),
    topic: z
      .object({
        name: z.string().regex(/^[a-zA-Z0-9._-]{1,249}$/, 'must be a Kafka topic name'),
        partitions: positiveInt,
        /** Region whose cluster runs the Topic and User Operators (one reconciler per topic). */
        managementRegion: dnsLabel,
      })
      .strict(),
    load: z
      .object({
        image,
        records: positiveInt,
        recordBytes: positiveInt,
        batchBytes: positiveInt,
        lingerMs: nonNegativeInt,
        /** Bump to re-run the Jobs: it is part of their names (a Job's pod template is immutable). */
        run: nonNegativeInt,
      })
      .strict(),
    akhq: z
      .object({
        image,
        exposure: z.enum(['ingress', 'route', 'none']),
        /** Host name suffix; each region gets akhq.<region>.<domain>. */
        domain: z.string().regex(/^[a-z0-9.-]+$/, 'must be a DNS domain'),
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
    gitops: z
      .object({
        repoUrl: url,
        revision: z.string().min(1, 'must not be empty'),
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
        instanceUsdPerHour: z.number().nonnegative('must be zero or more'),
        storageUsdPerGbMonth: z.number().nonnegative('must be zero or more'),
        interRegionUsdPerGb: z.number().nonnegative('must be zero or more'),
        /** Throughput the cost per message is computed at (the field report reached 1.45 GB/s). */
        throughputBytesPerSecond: positiveInt,
      })
      .strict(),
  })
  .strict();

export type Fleet = z.infer<typeof fleetSchema>;
export type Region = z.infer<typeof regionSchema>;
export type Resources = z.infer<typeof resources>;

const units: Record<string, number> = { m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, '': 1 };

/** Value of a Kubernetes quantity in base units (bytes or cores). */
export function parseQuantity(q: string): number {
  const m = QUANTITY.exec(q);
  if (!m) throw new Error(`not a quantity: ${q}`);
  return Number(m[1]) * units[m[2] ?? ''];
}
