import { DEFAULT_FLEET, Fleet, KAFKA_CLIENT_LABEL, PRINCIPAL_MAPPING_RULES, STACK_CLIENT_LABEL, TLS, bootstrapServers, kafkaPrincipal, loadConsumerGroup, regionOf, usersNamespace } from '@stretched-kafka/fleet';
import { certificateRequests } from '@stretched-kafka/certificates';
import { RELOADER_SECRET_ANNOTATION } from '@stretched-kafka/platform';
import { KEEP_ON_PRUNE, STRIMZI_OPERATOR_IMAGE, UNUSED_CLIENTS_CA, clientUsers, kafkaTopicResourceName, kafkaTopicSpec, topicsComponent } from '../src';
import { Obj, clone, crdErrors, expectHardened, synth } from '../../../test/helpers';

const build = (f: Fleet, region: string) => synth(topicsComponent.build, f, regionOf(f, region));
const mgmt = () => build(DEFAULT_FLEET, DEFAULT_FLEET.topic.managementRegion);
const ofKind = (objs: Obj[], kind: string) => objs.filter((o) => o.kind === kind);
const envOf = (o: Obj): Record<string, string> =>
  Object.fromEntries(o.spec.template.spec.containers[0].env.map((e: any) => [e.name, e.value ?? `fieldRef:${e.valueFrom.fieldRef.fieldPath}`]));

test('snapshot of the management region', () => {
  expect(mgmt()).toMatchSnapshot();
});

test('everything lives in the management region only, whichever region that is', () => {
  for (const managementRegion of ['us-east4', 'us-west4']) {
    const f = clone();
    f.topic.managementRegion = managementRegion;
    for (const region of f.regions) {
      const objs = build(f, region.name);
      if (region.name === managementRegion) {
        expect(ofKind(objs, 'KafkaTopic')).toHaveLength(1);
        expect(ofKind(objs, 'Deployment').map((d) => d.metadata.name).sort()).toEqual(['topic-operator', 'user-operator']);
      } else {
        expect(objs).toEqual([]);
      }
    }
  }
});

test('the KafkaTopic carries the consistency settings and the operator selector label', () => {
  const [topic] = ofKind(mgmt(), 'KafkaTopic');
  expect(topic.spec).toEqual({ topicName: 'perf-test', partitions: 72, replicas: 3, config: { 'min.insync.replicas': 2, 'unclean.leader.election.enable': false } });
  expect(topic.spec.partitions % 9).toBe(0);
  expect(topic.metadata.labels!['strimzi.io/cluster']).toBe(DEFAULT_FLEET.name);
  const to = ofKind(mgmt(), 'Deployment').find((d) => d.metadata.name === 'topic-operator')!;
  expect(envOf(to).STRIMZI_RESOURCE_LABELS).toBe(`strimzi.io/cluster=${DEFAULT_FLEET.name}`);
});

test('neither Argo CD nor Flux may prune the KafkaTopic (its deletion deletes the Kafka topic); KafkaUsers stay prunable', () => {
  const objs = mgmt();
  const [topic] = ofKind(objs, 'KafkaTopic');
  expect(topic.metadata.annotations).toEqual({ 'argocd.argoproj.io/sync-options': 'Prune=false', 'kustomize.toolkit.fluxcd.io/prune': 'disabled' });
  expect(topic.metadata.annotations).toEqual(KEEP_ON_PRUNE);
  // Also where a rename or a move of the management region would otherwise prune it.
  const f = clone();
  f.topic = { ...f.topic, name: 'orders', managementRegion: 'us-west4' };
  expect(ofKind(build(f, 'us-west4'), 'KafkaTopic')[0].metadata.annotations).toEqual(KEEP_ON_PRUNE);
  for (const o of objs.filter((x) => x.kind !== 'KafkaTopic')) {
    expect(o.metadata.annotations?.['argocd.argoproj.io/sync-options']).toBeUndefined();
    expect(o.metadata.annotations?.['kustomize.toolkit.fluxcd.io/prune']).toBeUndefined();
  }
});

test('Reloader rolls each operator when a certificate Secret its pod mounts is renewed', () => {
  for (const d of ofKind(mgmt(), 'Deployment')) {
    const mounted = [...new Set(d.spec.template.spec.volumes.filter((v: any) => v.secret).map((v: any) => v.secret.secretName))];
    expect(mounted).toEqual([d.metadata.name === 'topic-operator' ? TLS.topicOperator.secret : TLS.userOperator.secret]);
    expect(d.metadata.annotations).toEqual({ [RELOADER_SECRET_ANNOTATION]: mounted.join(',') });
  }
});

test('topic settings follow the fleet', () => {
  const f = clone();
  f.topic = { name: 'Orders_v2', partitions: 18, managementRegion: 'us-central1' };
  f.kafka.replicationFactor = 5;
  f.kafka.minInsyncReplicas = 3;
  const [topic] = ofKind(build(f, 'us-central1'), 'KafkaTopic');
  expect(topic.metadata.name).toBe('orders-v2');
  expect(topic.spec).toEqual(kafkaTopicSpec(f));
  expect(topic.spec).toMatchObject({ topicName: 'Orders_v2', partitions: 18, replicas: 5, config: { 'min.insync.replicas': 3 } });
});

test('kafkaTopicResourceName makes valid Kubernetes names and refuses hopeless ones', () => {
  expect(kafkaTopicResourceName('perf-test')).toBe('perf-test');
  expect(kafkaTopicResourceName('__Consumer_Offsets')).toBe('consumer-offsets');
  expect(kafkaTopicResourceName('a.b_c')).toBe('a.b-c');
  expect(() => kafkaTopicResourceName('___')).toThrow('topic.name: "___"');
});

test('operators: pinned 0.45 image, hardened, stack client label, one replica, Recreate', () => {
  expect(STRIMZI_OPERATOR_IMAGE).toMatch(/^quay\.io\/strimzi\/operator:0\.45\.\d+$/);
  for (const d of ofKind(mgmt(), 'Deployment')) {
    expect(d.spec.replicas).toBe(1);
    expect(d.spec.strategy.type).toBe('Recreate');
    expect(d.spec.template.spec.containers[0].image).toBe(STRIMZI_OPERATOR_IMAGE);
    expect(d.spec.template.metadata.labels).toMatchObject(STACK_CLIENT_LABEL);
    expect(d.spec.template.metadata.labels).not.toMatchObject(KAFKA_CLIENT_LABEL);
    expect(d.spec.template.spec.containers[0].env).toContainEqual({ name: 'STRIMZI_KAFKA_BOOTSTRAP_SERVERS', value: bootstrapServers(DEFAULT_FLEET, regionOf(DEFAULT_FLEET, DEFAULT_FLEET.topic.managementRegion), 'stack') });
    expectHardened(d);
  }
});

test('Topic Operator: mTLS with hostname verification, PEM re-projected for the image script, no password anywhere', () => {
  const to = ofKind(mgmt(), 'Deployment').find((d) => d.metadata.name === 'topic-operator')!;
  const env = envOf(to);
  expect(env).toMatchObject({ STRIMZI_TLS_ENABLED: 'true', STRIMZI_TLS_AUTH_ENABLED: 'true', STRIMZI_SECURITY_PROTOCOL: 'SSL', STRIMZI_SSL_ENDPOINT_IDENTIFICATION_ALGORITHM: 'HTTPS' });
  expect(Object.keys(env).filter((k) => /PASSWORD|PUBLIC_CA/.test(k))).toEqual([]);
  const vols = to.spec.template.spec.volumes.filter((v: any) => v.secret);
  expect(new Set(vols.map((v: any) => v.secret.secretName))).toEqual(new Set([TLS.topicOperator.secret]));
  const files = vols.flatMap((v: any) => v.secret.items.map((i: any) => `${i.key}->${i.path}`)).sort();
  expect(files).toEqual(['ca.crt->ca.crt', 'tls.crt->entity-operator.crt', 'tls.key->entity-operator.key']);
});

test('User Operator: no CA key, its own identity as PEM, users watched in their own namespace', () => {
  const uo = ofKind(mgmt(), 'Deployment').find((d) => d.metadata.name === 'user-operator')!;
  const env = envOf(uo);
  expect(env.STRIMZI_NAMESPACE).toBe(usersNamespace(DEFAULT_FLEET));
  expect(env.STRIMZI_CA_NAMESPACE).toBe(DEFAULT_FLEET.namespace);
  expect(env.STRIMZI_CLUSTER_CA_CERT_SECRET_NAME).toBe(TLS.userOperator.secret);
  expect(env.STRIMZI_EO_KEY_SECRET_NAME).toBeUndefined();
  expect(env.STRIMZI_KAFKA_ADMIN_CLIENT_CONFIGURATION.split('\n')).toEqual(
    expect.arrayContaining(['security.protocol=SSL', 'ssl.endpoint.identification.algorithm=https', 'ssl.keystore.type=PEM']),
  );
  // The clients CA names must not point at any Secret the project issues.
  const issued = DEFAULT_FLEET.regions.flatMap((r) => certificateRequests(DEFAULT_FLEET, r).map((c) => c.secretName));
  expect(issued).not.toContain(env.STRIMZI_CA_CERT_NAME);
  expect(issued).not.toContain(env.STRIMZI_CA_KEY_NAME);
  expect([env.STRIMZI_CA_CERT_NAME, env.STRIMZI_CA_KEY_NAME]).toEqual([UNUSED_CLIENTS_CA.cert, UNUSED_CLIENTS_CA.key]);
  // Every user is tls-external: the operator never reads the (absent) clients CA.
  // Application users are tls-external (cert-manager issues their certificates); AKHQ, a stack
  // identity, has no authentication, so Strimzi writes its ACLs for User:akhq.
  for (const u of ofKind(mgmt(), 'KafkaUser')) expect(u.spec.authentication?.type).toBe(u.metadata.name === TLS.akhq.commonName ? undefined : 'tls-external');
});

test('RBAC: no Secret access in the fleet namespace beyond the User Operator reading its own certificate', () => {
  const objs = mgmt();
  for (const role of ofKind(objs, 'Role')) {
    for (const rule of role.rules) {
      if (!rule.resources.includes('secrets')) continue;
      if (role.metadata.namespace === DEFAULT_FLEET.namespace) {
        expect(rule).toEqual({ apiGroups: [''], resources: ['secrets'], resourceNames: [TLS.userOperator.secret], verbs: ['get'] });
      } else {
        expect(role.metadata.namespace).toBe(usersNamespace(DEFAULT_FLEET));
      }
    }
    for (const rule of role.rules) expect(rule.verbs).not.toContain('*');
  }
  const to = ofKind(objs, 'Role').find((r) => r.metadata.name === 'topic-operator')!;
  expect(to.rules.flatMap((r: any) => r.resources).sort()).toEqual(['kafkatopics', 'kafkatopics/finalizers', 'kafkatopics/status']);
  expect(to.rules.flatMap((r: any) => r.verbs)).not.toContain('create');
  expect(to.rules.flatMap((r: any) => r.verbs)).not.toContain('delete');
  // Every RoleBinding names a Role that exists in its namespace and a ServiceAccount that exists.
  const sas = ofKind(objs, 'ServiceAccount').map((s) => `${s.metadata.namespace}/${s.metadata.name}`);
  for (const b of ofKind(objs, 'RoleBinding')) {
    expect(ofKind(objs, 'Role').some((r) => r.metadata.name === b.roleRef.name && r.metadata.namespace === b.metadata.namespace)).toBe(true);
    for (const s of b.subjects) expect(sas).toContain(`${s.namespace}/${s.name}`);
  }
  const ns = ofKind(objs, 'Namespace');
  expect(ns.map((n) => n.metadata.name)).toEqual([usersNamespace(DEFAULT_FLEET)]);
  expect(ns[0].metadata.labels!['pod-security.kubernetes.io/enforce']).toBe('restricted');
});

describe('KafkaUser ACLs are least privilege', () => {
  const usersOf = (f: Fleet) => ofKind(build(f, f.topic.managementRegion), 'KafkaUser');
  const ops = (u: Obj, type: string) => u.spec.authorization.acls.filter((a: any) => a.resource.type === type);

  test('one KafkaUser per client certificate, named by its CN, no All, no wildcard outside AKHQ', () => {
    const users = usersOf(DEFAULT_FLEET);
    expect(users.map((u) => u.metadata.name).sort()).toEqual([TLS.akhq.commonName, TLS.consumer.commonName, TLS.producer.commonName].sort());
    const clientCns = certificateRequests(DEFAULT_FLEET, regionOf(DEFAULT_FLEET, 'us-east4')).map((c) => c.commonName);
    for (const u of users) {
      expect(clientCns).toContain(u.metadata.name);
      expect(u.metadata.namespace).toBe(usersNamespace(DEFAULT_FLEET));
      for (const acl of u.spec.authorization.acls) {
        expect(acl.operations).not.toContain('All');
        expect(acl.operations).not.toContain('ClusterAction');
        expect(acl.operations).not.toContain('IdempotentWrite');
        expect(acl.resource.patternType ?? 'literal').toBe('literal');
        if (u.metadata.name !== TLS.akhq.commonName) expect(acl.resource.name).not.toBe('*');
      }
    }
  });

  test('producer writes, consumer reads its group, neither touches the cluster', () => {
    const users = usersOf(DEFAULT_FLEET);
    const producer = users.find((u) => u.metadata.name === TLS.producer.commonName)!;
    const consumer = users.find((u) => u.metadata.name === TLS.consumer.commonName)!;
    expect(producer.spec.authorization.acls).toEqual([{ resource: { type: 'topic', name: 'perf-test', patternType: 'literal' }, operations: ['Write', 'Describe'] }]);
    expect(ops(consumer, 'topic')).toEqual([{ resource: { type: 'topic', name: 'perf-test', patternType: 'literal' }, operations: ['Read', 'Describe'] }]);
    expect(ops(consumer, 'group')).toEqual([{ resource: { type: 'group', name: loadConsumerGroup(DEFAULT_FLEET), patternType: 'literal' }, operations: ['Read'] }]);
    expect(ops(consumer, 'cluster')).toEqual([]);
    expect(ops(producer, 'cluster')).toEqual([]);
  });

  const akhqAcls = (f: Fleet) => usersOf(f).find((u) => u.metadata.name === TLS.akhq.commonName)!.spec.authorization.acls;

  test('akhq cannot fetch records unless akhq.allowDataRead: Describe is all metadata and lag need', () => {
    const topicOps = (f: Fleet) => akhqAcls(f).filter((a: any) => a.resource.type === 'topic').flatMap((a: any) => a.operations);
    expect(topicOps(DEFAULT_FLEET)).toEqual(['Describe', 'DescribeConfigs']);
    expect(akhqAcls(DEFAULT_FLEET).flatMap((a: any) => a.operations)).not.toContain('Read');
    const f = clone();
    f.akhq.allowDataRead = true;
    expect(topicOps(f)).toEqual(['Describe', 'Read', 'DescribeConfigs']);
    // Lag views: OffsetFetch needs Describe on the group, ListOffsets Describe on the topic.
    expect(akhqAcls(DEFAULT_FLEET).find((a: any) => a.resource.type === 'group').operations).toEqual(['Describe']);
  });

  test('akhq is read-only unless the fleet says otherwise', () => {
    const writeOps = ['Write', 'Create', 'Delete', 'Alter', 'AlterConfigs'];
    const akhqOps = (f: Fleet) => akhqAcls(f).flatMap((a: any) => a.operations);
    const ro = akhqOps(DEFAULT_FLEET);
    expect(ro).toEqual(expect.arrayContaining(['Describe', 'DescribeConfigs']));
    expect(ro.filter((o: string) => writeOps.includes(o))).toEqual([]);
    const f = clone();
    f.akhq.readOnly = false;
    expect(akhqOps(f)).toEqual(expect.arrayContaining(['Write', 'Create', 'Delete', 'AlterConfigs']));
    expect(clientUsers(f).find((u) => u.name === 'akhq')!.acls.length).toBeGreaterThan(clientUsers(DEFAULT_FLEET).find((u) => u.name === 'akhq')!.acls.length);
  });
});

test('principals: application users keep CN=<cn>, the form Strimzi writes tls-external ACLs for; AKHQ is a stack user', () => {
  expect(kafkaPrincipal(TLS.producer)).toBe('User:CN=producer');
  expect(kafkaPrincipal(TLS.akhq)).toBe('User:akhq');
  const rule = /^RULE:(.*)\/(.*)\/$/.exec(PRINCIPAL_MAPPING_RULES.application)!;
  const map = (dn: string) => dn.replace(new RegExp(rule[1]), rule[2]);
  expect(map('CN=producer,O=stretched-kafka')).toBe('CN=producer');
  const users = ofKind(mgmt(), 'KafkaUser');
  // Strimzi names a tls-external user CN=<name> and a user without authentication <name>.
  const strimziPrincipal = (u: any) => (u.spec.authentication ? `User:CN=${u.metadata.name}` : `User:${u.metadata.name}`);
  for (const t of [TLS.producer, TLS.consumer, TLS.akhq]) {
    expect(strimziPrincipal(users.find((u: any) => u.metadata.name === t.commonName))).toBe(kafkaPrincipal(t));
  }
});

test('usersNamespace refuses namespaces that would overflow a DNS label', () => {
  const f = clone();
  f.namespace = 'n'.repeat(60);
  expect(() => usersNamespace(f)).toThrow(/namespace: "n+" is too long/);
});

test('KafkaTopic and KafkaUsers validate against the Strimzi 0.45 CRDs', () => {
  const objs = mgmt();
  expect(crdErrors(ofKind(objs, 'KafkaTopic'))).toEqual([]);
  const f = clone();
  f.akhq.readOnly = false;
  const users = [...ofKind(objs, 'KafkaUser'), ...ofKind(build(f, f.topic.managementRegion), 'KafkaUser')];
  expect(crdErrors(users)).toEqual([]);
});
