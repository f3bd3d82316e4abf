import ipaddr from 'ipaddr.js';
import { ZodIssue } from 'zod';
import { X509Certificate } from 'node:crypto';
import { findTemplateDelimiters, goDurationSeconds, isDnsName, normalPem, parseImageReference } from './grammar';
import { KAFKA, KRAFT, MAX_SOCKET_BUFFER_BYTES, USERS_NAMESPACE_SUFFIX, ZOOKEEPER, kafkaBrokers, kraftControllers, localPodNames, socketBufferBytes, zookeeperNodes } from './naming';
import { Fleet, MAX_BROKER_ID, fleetSchema, parseQuantity } from './schema';
import { IMAGES, VERSIONS } from './versions';

/** A user error in the fleet definition: one line naming the field, the value and what is allowed. */
export class FleetError extends Error {
  constructor(readonly field: string, readonly value: unknown, readonly allowed: string, readonly source = 'fleet') {
    super(`${printable(source)}: ${field} = ${show(value)}: ${allowed}`);
    this.name = 'FleetError';
  }
}

/** `s` with control characters (a newline, an escape sequence in a file name) written as \xNN, so a message stays one line. */
export function printable(s: string): string {
  return s.replace(/[\x00-\x1f\x7f\u2028\u2029]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

function show(v: unknown): string {
  if (v === undefined) return '(missing)';
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  const s = JSON.stringify(v);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

function pathOf(path: (string | number)[]): string {
  return path.reduce<string>((acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p), '');
}

function valueAt(obj: unknown, path: (string | number)[]): unknown {
  return path.reduce<unknown>((o, k) => (o !== null && typeof o === 'object' ? (o as Record<string | number, unknown>)[k] : undefined), obj);
}

function issueToError(raw: unknown, issue: ZodIssue, source: string): FleetError {
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0];
    return new FleetError(pathOf([...issue.path, key]), valueAt(raw, [...issue.path, key]), 'unknown key (check the spelling against the fleet reference in docs/fleet.md)', source);
  }
  if (issue.code === 'invalid_type' && issue.received === 'undefined') {
    return new FleetError(pathOf(issue.path), undefined, `is required (${issue.expected})`, source);
  }
  if (issue.code === 'invalid_union_discriminator') {
    return new FleetError(pathOf(issue.path), valueAt(raw, issue.path), `must be one of ${issue.options.map((o) => JSON.stringify(o)).join(', ')}`, source);
  }
  if (issue.code === 'invalid_enum_value') {
    return new FleetError(pathOf(issue.path), issue.received, `must be one of ${issue.options.map((o) => JSON.stringify(o)).join(', ')}`, source);
  }
  return new FleetError(pathOf(issue.path), valueAt(raw, issue.path), issue.message, source);
}

/** An IPv4 CIDR parsed by ipaddr.js, or undefined when it is not one. */
function parseV4(cidr: string): [ipaddr.IPv4, number] | undefined {
  try {
    const [addr, bits] = ipaddr.parseCIDR(cidr);
    return addr.kind() === 'ipv4' ? [addr as ipaddr.IPv4, bits] : undefined;
  } catch {
    return undefined;
  }
}

/** The CIDR with its host bits cleared (10.0.5.0/16 -> 10.0.0.0/16), or undefined when it is not one. */
export function canonicalCidr(cidr: string): string | undefined {
  const p = parseV4(cidr);
  return p && `${ipaddr.IPv4.networkAddressFromCIDR(cidr).toString()}/${p[1]}`;
}

/** Whether CIDR `inner` lies inside CIDR `outer`. */
export function cidrWithin(inner: string, outer: string): boolean {
  const [i, o] = [parseV4(inner), parseV4(outer)];
  return !!i && !!o && i[1] >= o[1] && ipaddr.IPv4.networkAddressFromCIDR(inner).match(o);
}

/** Two CIDR blocks overlap exactly when one lies inside the other (blocks are aligned). */
export function cidrsOverlap(a: string, b: string): boolean {
  return cidrWithin(a, b) || cidrWithin(b, a);
}

/** Private address space a pod or service CIDR belongs in: RFC 1918 and RFC 6598 (shared address space, 100.64.0.0/10). */
export const PRIVATE_CIDRS = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10'] as const;
/** Never a pod or service network, opt-in or not: "this network", loopback, link-local, multicast, reserved and broadcast. */
const SPECIAL_CIDRS = ['0.0.0.0/8', '127.0.0.0/8', '169.254.0.0/16', '224.0.0.0/4', '240.0.0.0/4'] as const;
/** Widest pod CIDR accepted; kube-apiserver refuses an IPv4 service CIDR wider than /12. */
const WIDEST_PREFIX = { podCidr: 8, serviceCidr: 12 } as const;

/** Smallest socket buffer accepted: 64 KiB, the largest TCP window without window scaling. */
export const MIN_SOCKET_BUFFER_BYTES = 65_536;

/** A Strimzi Kafka image tag: `<strimzi version>-kafka-<kafka version>`, as in the pinned image (versions.json). */
const STRIMZI_KAFKA_TAG = /^\d+\.\d+\.\d+(?:-rc\d+)?-kafka-(\d+\.\d+\.\d+)$/;

/** The broker image must carry the Kafka version that kafka.version (and inter.broker.protocol.version) claims. */
function kafkaImageProblem(f: Fleet): FleetError | undefined {
  const ref = parseImageReference(f.kafka.image);
  if (typeof ref === 'string') return undefined; // the schema reported it
  const strimzi = ref.path === 'strimzi/kafka' || ref.path.endsWith('/strimzi/kafka');
  if (ref.tag === undefined) {
    return new FleetError('kafka.image', f.kafka.image, 'must carry a tag: the Kafka version in it must be known to match kafka.version (a digest may follow the tag)');
  }
  const m = STRIMZI_KAFKA_TAG.exec(ref.tag);
  if (strimzi && !m) {
    return new FleetError('kafka.image', f.kafka.image, `is a Strimzi Kafka image, whose tags are <strimzi version>-kafka-<kafka version> such as ${VERSIONS.strimzi}-kafka-${VERSIONS.kafka}`);
  }
  if (m && m[1] !== f.kafka.version) {
    return new FleetError('kafka.version', f.kafka.version, `must be the Kafka version of kafka.image (${m[1]} in ${f.kafka.image}): inter.broker.protocol.version is derived from it`);
  }
  return undefined;
}

function cidrProblem(f: Fleet, field: string, kind: 'podCidr' | 'serviceCidr', value: string): FleetError | undefined {
  const prefix = Number(value.split('/')[1]);
  const special = SPECIAL_CIDRS.find((c) => cidrsOverlap(value, c));
  if (special) return new FleetError(field, value, `overlaps ${special}, which is never a ${kind === 'podCidr' ? 'pod' : 'service'} network`);
  if (prefix < WIDEST_PREFIX[kind]) {
    return new FleetError(field, value, `is wider than /${WIDEST_PREFIX[kind]}${kind === 'podCidr' ? ': the NetworkPolicies admit every address of a pod CIDR to the broker and ZooKeeper ports' : ' (kube-apiserver refuses a wider IPv4 service range)'}`);
  }
  if (!f.network.allowPublicPodCidrs && !PRIVATE_CIDRS.some((p) => cidrWithin(value, p))) {
    return new FleetError(
      field,
      value,
      `must be inside private space (${PRIVATE_CIDRS.join(', ')})${kind === 'podCidr' ? ": the NetworkPolicies admit every address of the other regions' pod CIDRs" : ''}; set network.allowPublicPodCidrs: true if these addresses really are your cluster's`,
    );
  }
  return undefined;
}

/** Host names built from fleet values (certificate SANs, AKHQ's host) must stay DNS names. */
function derivedNameProblem(f: Fleet): FleetError | undefined {
  const pods = [
    ...kafkaBrokers(f).map((b) => [KAFKA.headless, b.pod] as const),
    ...zookeeperNodes(f).map((z) => [ZOOKEEPER.headless, z.pod] as const),
    ...kraftControllers(f).map((c) => [KRAFT.headless, c.pod] as const),
  ];
  for (const [service, pod] of pods) {
    const long = localPodNames(f, service, pod).find((n) => !isDnsName(n));
    if (long) return new FleetError('network.clusterDomain', f.network.clusterDomain, `makes the certificate name ${long} longer than a DNS name may be (253 characters)`);
  }
  if (f.akhq.exposure !== 'none') {
    const host = f.regions.map((r) => `akhq.${r.name}.${f.akhq.domain}`).find((h) => !isDnsName(h));
    if (host) return new FleetError('akhq.domain', f.akhq.domain, `makes the AKHQ host ${host} longer than a DNS name may be (253 characters)`);
  }
  return undefined;
}

/** An odd ZooKeeper ensemble of at most 15 that no region can take down. */
function ensembleProblem(f: Fleet): FleetError | undefined {
  const regionCount = f.regions.length;
  const zkCount = f.regions.reduce((n, r) => n + r.zookeeperReplicas, 0);
  if (zkCount % 2 === 0) {
    return new FleetError('regions[].zookeeperReplicas', `${zkCount} in total`, 'must add up to an odd number (3, 5, 7, 9...) for a majority quorum');
  }
  if (zkCount > 15) {
    return new FleetError('regions[].zookeeperReplicas', `${zkCount} in total`, 'must add up to at most 15: every write waits for a majority across regions');
  }
  const maxZkInRegion = Math.max(...f.regions.map((r) => r.zookeeperReplicas));
  if (regionCount > 1 && maxZkInRegion > (zkCount - 1) / 2) {
    return new FleetError('regions[].zookeeperReplicas', f.regions.map((r) => r.zookeeperReplicas).join('+'), `no region may hold ${maxZkInRegion} of ${zkCount} ZooKeeper nodes: losing it would lose the quorum`);
  }
  return undefined;
}

/**
 * An odd KRaft voter set spread so that losing any one region keeps a majority, with node ids of
 * controllers and brokers apart inside each region's block (KRaft node ids are one space, and in a
 * migration the controllers' ids must differ from every ZooKeeper-mode broker.id).
 */
function quorumProblem(f: Fleet): FleetError | undefined {
  const counts = f.regions.map((r) => r.controllerReplicas);
  const voters = counts.reduce((n, c) => n + c, 0);
  if (voters % 2 === 0) {
    return new FleetError('regions[].controllerReplicas', `${voters} in total`, 'must add up to an odd number (3, 5, 7, 9...): a majority quorum gains nothing from an even voter');
  }
  if (voters > 15) {
    return new FleetError('regions[].controllerReplicas', `${voters} in total`, 'must add up to at most 15: every metadata write waits for a majority across regions');
  }
  const majority = (voters + 1) / 2;
  const most = Math.max(...counts);
  if (f.regions.length > 1 && voters - most < majority) {
    return new FleetError('regions[].controllerReplicas', counts.join('+'), `no region may hold ${most} of ${voters} controllers: losing it would leave ${voters - most}, below the majority of ${majority}`);
  }
  for (const [i, r] of f.regions.entries()) {
    if (r.kafkaReplicas + r.controllerReplicas > f.idsPerRegion) {
      return new FleetError(`regions[${i}].controllerReplicas`, r.controllerReplicas, `with kafkaReplicas ${r.kafkaReplicas} must fit in idsPerRegion (${f.idsPerRegion}): broker ids count up and controller ids down inside the region's block, and KRaft node ids are one space`);
    }
  }
  return undefined;
}

/** ZooKeeper mode: an odd ensemble that no region can take down, Kafka 3.x, no KRaft fields. */
function zookeeperProblem(f: Fleet): FleetError | undefined {
  const controllers = f.regions.findIndex((r) => r.controllerReplicas > 0);
  if (controllers >= 0) {
    return new FleetError(`regions[${controllers}].controllerReplicas`, f.regions[controllers].controllerReplicas, 'must be 0 with metadata.mode "zookeeper": KRaft controllers run only with metadata.mode "kraft" or "migration"');
  }
  if (f.metadata.clusterId !== undefined) {
    return new FleetError('metadata.clusterId', f.metadata.clusterId, 'is for metadata.mode "kraft" or "migration" only (in ZooKeeper mode ZooKeeper assigns the cluster id)');
  }
  if (!f.kafka.version.startsWith('3.')) {
    return new FleetError('kafka.version', f.kafka.version, `must be a Kafka 3.x release with metadata.mode "zookeeper" (Kafka 4 has no ZooKeeper mode), such as ${VERSIONS.kafka}; or set metadata.mode "kraft"`);
  }
  return ensembleProblem(f);
}

/** KRaft mode: the voter set (quorumProblem), Kafka 4.x, no ZooKeeper. */
function kraftProblem(f: Fleet): FleetError | undefined {
  const zk = f.regions.findIndex((r) => r.zookeeperReplicas > 0);
  if (zk >= 0) {
    return new FleetError(`regions[${zk}].zookeeperReplicas`, f.regions[zk].zookeeperReplicas, 'must be 0 with metadata.mode "kraft": KRaft keeps the metadata in its controllers (regions[].controllerReplicas)');
  }
  if (!f.kafka.version.startsWith('4.')) {
    return new FleetError('kafka.version', f.kafka.version, `must be a Kafka 4.x release with metadata.mode "kraft", such as ${VERSIONS.kraft.kafka} (on ${IMAGES.kafkaKraft})`);
  }
  return quorumProblem(f);
}

/** Kafka's migration procedure (3.9 documentation, "Preparing for migration") wants brokers on 3.9.1 or later of the 3.9 line. */
const MIGRATION_KAFKA = /^3\.9\.([1-9][0-9]*)$/;

/**
 * Migration mode: the ZooKeeper cluster's id, a phase, Kafka 3.9 (the last ZooKeeper line; the
 * controllers run the brokers' release), the ensemble while ZooKeeper still holds the metadata
 * (phases 1 to 3) and none after finalization (phase 4), and a voter set from phase 1 on.
 */
function migrationProblem(f: Fleet): FleetError | undefined {
  if (f.metadata.phase === undefined) {
    return new FleetError('metadata.phase', undefined, 'is required with metadata.mode "migration": 1 (controllers), 2 (brokers in migration mode), 3 (brokers in KRaft mode) or 4 (finalized), one step per commit');
  }
  if (f.metadata.clusterId === undefined) {
    return new FleetError('metadata.clusterId', undefined, "is required with metadata.mode \"migration\": the ZooKeeper cluster's own id, as `zookeeper-shell.sh <zookeeper> get /cluster/id` or cluster.id in a broker's meta.properties shows it (README, ZooKeeper to KRaft)");
  }
  if (!MIGRATION_KAFKA.test(f.kafka.version)) {
    return new FleetError('kafka.version', f.kafka.version, `must be Kafka 3.9.1 or a later 3.9 release with metadata.mode "migration", such as ${VERSIONS.kafka}: Kafka 4 has no ZooKeeper to migrate from, and the controllers run the brokers' release; move to Kafka 4 after finalizing, as an ordinary version bump with metadata.mode "kraft"`);
  }
  if (f.metadata.phase === 4) {
    const zk = f.regions.findIndex((r) => r.zookeeperReplicas > 0);
    if (zk >= 0) {
      return new FleetError(`regions[${zk}].zookeeperReplicas`, f.regions[zk].zookeeperReplicas, 'must be 0 with metadata.phase 4: finalizing the migration removes ZooKeeper (nothing reads it any more)');
    }
  } else {
    const problem = ensembleProblem(f);
    if (problem) return problem;
  }
  return quorumProblem(f);
}

/** Checks that span fields: the guarantees the stretched cluster exists for. */
function crossChecks(f: Fleet): FleetError | undefined {
  const k = f.kafka;
  const regionCount = f.regions.length;
  const brokerCount = f.regions.reduce((n, r) => n + r.kafkaReplicas, 0);

  const usersNs = `${f.namespace}${USERS_NAMESPACE_SUFFIX}`;
  if (usersNs.length > 63) {
    return new FleetError('namespace', f.namespace, `must be at most ${63 - USERS_NAMESPACE_SUFFIX.length} characters: the KafkaUsers live in "${usersNs}", which must be a DNS label of at most 63`);
  }
  const buffer = socketBufferBytes(f);
  if (buffer < MIN_SOCKET_BUFFER_BYTES) {
    return new FleetError(
      'network.latencyMs',
      f.network.latencyMs,
      `with network.bandwidthBytesPerSecond = ${f.network.bandwidthBytesPerSecond} gives ${buffer}-byte socket buffers; they must be at least ${MIN_SOCKET_BUFFER_BYTES} bytes (64 KiB): measure the worst inter-region link, bandwidth x round trip`,
    );
  }
  if (buffer > MAX_SOCKET_BUFFER_BYTES) {
    const maxLatencyMs = Math.floor((MAX_SOCKET_BUFFER_BYTES * 1000) / f.network.bandwidthBytesPerSecond);
    return new FleetError(
      'network.latencyMs',
      f.network.latencyMs,
      `with network.bandwidthBytesPerSecond = ${f.network.bandwidthBytesPerSecond} gives ${buffer}-byte socket buffers; Kafka's socket.*.buffer.bytes are Java ints (at most ${MAX_SOCKET_BUFFER_BYTES}), so at most ${maxLatencyMs} ms at this bandwidth`,
    );
  }
  if (f.akhq.exposure === 'route' && f.platform !== 'openshift') {
    return new FleetError('akhq.exposure', f.akhq.exposure, `needs platform "openshift" (platform is "${f.platform}"): Routes are an OpenShift API; use "ingress" or "none"`);
  }
  if (k.minInsyncReplicas >= k.replicationFactor) {
    return new FleetError('kafka.minInsyncReplicas', k.minInsyncReplicas, `must be below kafka.replicationFactor (${k.replicationFactor}) so that one replica can be lost without stopping writes`);
  }
  if (k.minInsyncReplicas < 2) {
    return new FleetError('kafka.minInsyncReplicas', k.minInsyncReplicas, 'must be at least 2: with 1 an acknowledged write can live in one region only');
  }
  if (regionCount < k.replicationFactor) {
    return new FleetError('regions', `${regionCount} regions`, `must number at least kafka.replicationFactor (${k.replicationFactor}) so that every partition has a replica in each of ${k.replicationFactor} regions`);
  }
  if (k.replicationFactor > brokerCount) {
    return new FleetError('kafka.replicationFactor', k.replicationFactor, `must not exceed the broker count (${brokerCount})`);
  }
  for (const [field, value] of [['kafka.defaultPartitions', k.defaultPartitions], ['topic.partitions', f.topic.partitions]] as const) {
    if (value % brokerCount !== 0) {
      return new FleetError(field, value, `must be a multiple of the broker count (${brokerCount}) so every broker leads the same number of partitions`);
    }
  }
  if (f.metadata.phase !== undefined && f.metadata.mode !== 'migration') {
    return new FleetError('metadata.phase', f.metadata.phase, `is for metadata.mode "migration" only (metadata.mode is "${f.metadata.mode}")`);
  }
  const metadataProblem = f.metadata.mode === 'kraft' ? kraftProblem(f) : f.metadata.mode === 'migration' ? migrationProblem(f) : zookeeperProblem(f);
  if (metadataProblem) return metadataProblem;
  const seen = new Map<string, number>();
  for (const [i, r] of f.regions.entries()) {
    for (const [key, value] of [['name', r.name], ['clusterId', r.clusterId], ['idBlock', String(r.idBlock)]] as const) {
      const tag = `${key}=${value}`;
      if (seen.has(tag)) {
        return new FleetError(`regions[${i}].${key}`, key === 'idBlock' ? r.idBlock : value, `must be unique across regions (regions[${seen.get(tag)}] has it too)`);
      }
      seen.set(tag, i);
    }
    for (const [key, n] of [['kafkaReplicas', r.kafkaReplicas], ['zookeeperReplicas', r.zookeeperReplicas]] as const) {
      if (n > f.idsPerRegion - 1) {
        return new FleetError(`regions[${i}].${key}`, n, `must be below idsPerRegion (${f.idsPerRegion}) so node ids stay inside the region's block`);
      }
    }
    const maxBrokerId = r.idBlock * f.idsPerRegion + r.kafkaReplicas - 1;
    if (maxBrokerId > MAX_BROKER_ID) {
      return new FleetError(`regions[${i}].idBlock`, r.idBlock, `gives broker id ${maxBrokerId} (idBlock x idsPerRegion ${f.idsPerRegion} + ordinal); Kafka refuses configured broker ids above reserved.broker.max.id (${MAX_BROKER_ID})`);
    }
    const maxZkId = r.idBlock * f.idsPerRegion + r.zookeeperReplicas;
    if (r.zookeeperReplicas > 0 && maxZkId > 255) {
      return new FleetError(`regions[${i}].idBlock`, r.idBlock, `gives ZooKeeper id ${maxZkId}; ZooKeeper server ids must be 1..255`);
    }
  }
  const cidrs = f.regions.flatMap((r, i) => [
    { field: `regions[${i}].podCidr`, value: r.podCidr },
    { field: `regions[${i}].serviceCidr`, value: r.serviceCidr },
  ]);
  for (const c of cidrs) {
    const canonical = canonicalCidr(c.value);
    if (!canonical) return new FleetError(c.field, c.value, 'must be an IPv4 CIDR with octets 0-255 and a prefix of 0-32');
    // NetworkPolicy ipBlocks and Submariner take the network address; a typo here hides in the host bits.
    if (canonical !== c.value) return new FleetError(c.field, c.value, `is not in canonical form (host bits set or leading zeros): write ${canonical}`);
    const problem = cidrProblem(f, c.field, c.field.endsWith('podCidr') ? 'podCidr' : 'serviceCidr', c.value);
    if (problem) return problem;
  }
  for (let a = 0; a < cidrs.length; a++) {
    for (let b = a + 1; b < cidrs.length; b++) {
      if (cidrsOverlap(cidrs[a].value, cidrs[b].value)) {
        return new FleetError(cidrs[b].field, cidrs[b].value, `overlaps ${cidrs[a].field} (${cidrs[a].value}); with globalnet off every pod and service CIDR must be distinct`);
      }
    }
  }
  const regionNames = f.regions.map((r) => r.name);
  for (const [field, value] of [['submariner.brokerRegion', f.submariner.brokerRegion], ['topic.managementRegion', f.topic.managementRegion]] as const) {
    if (!regionNames.includes(value)) return new FleetError(field, value, `must name one of the regions (${regionNames.join(', ')})`);
  }
  for (const [field, q, min] of [
    ['kafka.resources.memory', k.resources.memory, k.heapMb],
    ['zookeeper.resources.memory', f.zookeeper.resources.memory, f.zookeeper.heapMb],
    ['controllers.resources.memory', f.controllers.resources.memory, f.controllers.heapMb],
  ] as const) {
    if (parseQuantity(q) < min * 2 ** 20 * 1.25) {
      return new FleetError(field, q, `must leave room above the heap (${min} MiB) for off-heap memory and the page cache: at least ${Math.ceil(min * 1.25)}Mi`);
    }
  }
  for (const [field, r] of [['kafka.resources', k.resources], ['zookeeper.resources', f.zookeeper.resources], ['controllers.resources', f.controllers.resources]] as const) {
    if (r.cpuLimit !== undefined && parseQuantity(r.cpuLimit) < parseQuantity(r.cpu)) {
      return new FleetError(`${field}.cpuLimit`, r.cpuLimit, `must not be below the request ${field}.cpu (${r.cpu}): Kubernetes refuses a limit below the request`);
    }
    if (r.memoryLimit !== undefined && parseQuantity(r.memoryLimit) < parseQuantity(r.memory)) {
      return new FleetError(`${field}.memoryLimit`, r.memoryLimit, `must not be below the request ${field}.memory (${r.memory}): Kubernetes refuses a limit below the request`);
    }
  }
  const imageProblem = kafkaImageProblem(f);
  if (imageProblem) return imageProblem;
  const nameProblem = derivedNameProblem(f);
  if (nameProblem) return nameProblem;
  const internal = f.pki.internal;
  if (f.pki.issuer.kind === 'Issuer' && (f.pki.issuer.name === internal.issuerName || f.pki.issuer.caSecretName === internal.caSecretName)) {
    const same = f.pki.issuer.name === internal.issuerName ? ['pki.issuer.name', f.pki.issuer.name] : ['pki.issuer.caSecretName', f.pki.issuer.caSecretName];
    return new FleetError(same[0], same[1], 'must differ from pki.internal: the stack CA must never sign application certificates (README, trust model)');
  }
  if (f.metadata.mode !== 'zookeeper' && f.pki.additionalTrust.internal.length > 0) {
    return new FleetError('pki.additionalTrust.internal', `(${f.pki.additionalTrust.internal.length} certificates)`, `must be empty with metadata.mode ${f.metadata.mode}: the KRaft controllers do not read the trust bundle yet (a stack CA rotation with an overlap is ZooKeeper mode only)`);
  }
  for (const domain of ['internal', 'issuer'] as const) {
    const seen = new Map<string, number>();
    for (const [i, pem] of f.pki.additionalTrust[domain].entries()) {
      const der = new X509Certificate(normalPem(pem)).raw.toString('base64');
      if (seen.has(der)) return new FleetError(`pki.additionalTrust.${domain}[${i}]`, '(PEM certificate)', `must not repeat pki.additionalTrust.${domain}[${seen.get(der)}]: list each CA once`);
      seen.set(der, i);
    }
  }
  if (goDurationSeconds(f.pki.renewBefore)! >= goDurationSeconds(f.pki.duration)!) {
    return new FleetError('pki.renewBefore', f.pki.renewBefore, `must be shorter than pki.duration (${f.pki.duration})`);
  }
  if (f.load.batchBytes < f.load.recordBytes) {
    return new FleetError('load.batchBytes', f.load.batchBytes, `must hold at least one record (load.recordBytes = ${f.load.recordBytes})`);
  }
  return undefined;
}

/** Validates a merged fleet; throws a FleetError naming the first bad field. */
export function validateFleet(raw: unknown, source = 'fleet'): Fleet {
  const template = findTemplateDelimiters(raw);
  if (template) {
    throw new FleetError(template.field, template.value, 'must not hold "{{" or "}}": the Argo CD ApplicationSet renders with goTemplate and would evaluate them', source);
  }
  const parsed = fleetSchema.safeParse(raw);
  if (!parsed.success) {
    throw issueToError(raw, parsed.error.issues[0], source);
  }
  const err = crossChecks(parsed.data);
  if (err) throw new FleetError(err.field, err.value, err.allowed, source);
  return parsed.data;
}
