import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as yaml from 'js-yaml';
import { DEFAULT_FLEET, validateFleet } from '@stretched-kafka/fleet';
import { render } from '@stretched-kafka/synth';
import { CRDS, formatProblem, KUBERNETES, pathOf, Problem, validateObjects, Validator } from '../src';

const clone = <T>(o: T): T => JSON.parse(JSON.stringify(o));
const lines = (problems: Problem[]) => problems.map(formatProblem);

/** A StatefulSet as the generator writes them: enough fields to exercise PodSpec, quantities and int-or-string. */
const statefulSet = {
  apiVersion: 'apps/v1',
  kind: 'StatefulSet',
  metadata: { name: 'kafka', namespace: 'kafka', labels: { 'app.kubernetes.io/name': 'kafka' } },
  spec: {
    replicas: 3,
    serviceName: 'kafka-headless',
    podManagementPolicy: 'Parallel',
    selector: { matchLabels: { 'app.kubernetes.io/name': 'kafka' } },
    template: {
      metadata: { labels: { 'app.kubernetes.io/name': 'kafka' } },
      spec: {
        securityContext: { runAsNonRoot: true, fsGroup: 1001 },
        containers: [
          {
            name: 'kafka',
            image: 'quay.io/strimzi/kafka:0.45.0-kafka-3.9.0',
            ports: [{ name: 'tls', containerPort: 9093 }],
            resources: { requests: { cpu: '2', memory: '8Gi' }, limits: { memory: '8Gi' } },
            readinessProbe: { tcpSocket: { port: 'tls' }, periodSeconds: 10 },
            volumeMounts: [{ name: 'data', mountPath: '/var/lib/kafka' }],
          },
        ],
      },
    },
    volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '100Gi' } } } }],
  },
};

const certificate = {
  apiVersion: 'cert-manager.io/v1',
  kind: 'Certificate',
  metadata: { name: 'kafka-tls', namespace: 'kafka' },
  spec: {
    secretName: 'kafka-tls',
    issuerRef: { name: 'kafka-ca', kind: 'ClusterIssuer' },
    dnsNames: ['kafka-0.kafka-headless.kafka.svc'],
    privateKey: { algorithm: 'ECDSA', encoding: 'PKCS8' },
    additionalOutputFormats: [{ type: 'CombinedPEM' }],
  },
};

const submariner = {
  apiVersion: 'submariner.io/v1alpha1',
  kind: 'Submariner',
  metadata: { name: 'submariner', namespace: 'submariner-operator' },
  spec: {
    broker: 'k8s',
    brokerK8sApiServer: 'https://broker:6443',
    brokerK8sRemoteNamespace: 'submariner-k8s-broker',
    ceIPSecDebug: false,
    clusterCIDR: '10.0.0.0/16',
    clusterID: 'us-east4',
    debug: false,
    namespace: 'submariner-operator',
    natEnabled: false,
    serviceCIDR: '172.16.0.0/16',
    cableDriver: 'vxlan',
  },
};

const kafkaTopic = {
  apiVersion: 'kafka.strimzi.io/v1beta2',
  kind: 'KafkaTopic',
  metadata: { name: 'perf', namespace: 'kafka', labels: { 'strimzi.io/cluster': 'kafka' } },
  spec: { partitions: 72, replicas: 3, config: { 'min.insync.replicas': 2, 'unclean.leader.election.enable': false } },
};

describe('the rendered tree', () => {
  const rendered = render(validateFleet(DEFAULT_FLEET, 'defaults'));
  // What gets committed and read by Argo CD / Flux is the YAML text, so that is what is checked.
  const docs = rendered.files.map((f) => ({ path: f.path, docs: yaml.loadAll(f.content) }));

  test('every object of every file validates (Kubernetes 1.27 + CRDs, unknown fields rejected)', () => {
    const validator = new Validator();
    const problems = docs.flatMap((f) => validator.validate(f.docs, f.path));
    expect(lines(problems)).toEqual([]);
  });

  test('that check covered the whole tree: each file holds its rendered objects, or is a kustomization', () => {
    expect(rendered.objectCount).toBeGreaterThan(0);
    for (const [i, f] of rendered.files.entries()) {
      if (f.objects.length > 0) expect(docs[i].docs).toEqual(f.objects);
      else expect(docs[i].docs).toMatchObject([{ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization' }]);
    }
    for (const r of DEFAULT_FLEET.regions) expect(docs.map((f) => f.path)).toContain(`${r.name}/kustomization.yaml`);
  });
});

describe('Kubernetes built-in kinds', () => {
  test('the StatefulSet baseline is valid', () => {
    expect(lines(validateObjects([statefulSet]))).toEqual([]);
  });

  test('an unknown field in a StatefulSet spec is rejected, like kubectl apply (strict field validation)', () => {
    const s = clone(statefulSet) as any;
    s.spec.replica = 3;
    expect(lines(validateObjects([s], 'us-east4/kafka/StatefulSet-kafka.yaml'))).toEqual(['us-east4/kafka/StatefulSet-kafka.yaml#1 StatefulSet/kafka .spec.replica: unknown field']);
  });

  test('unknown fields deep in the pod template and in metadata are rejected, map keys are not', () => {
    const s = clone(statefulSet) as any;
    s.spec.template.spec.containers[0].securityContext = { runAsNonRoot: true, readOnlyRootFs: true };
    s.metadata.label = { a: 'b' };
    s.metadata.annotations = { 'any.key/at-all': 'fine' };
    expect(lines(validateObjects([s]))).toEqual([
      'StatefulSet/kafka .metadata.label: unknown field',
      'StatefulSet/kafka .spec.template.spec.containers[0].securityContext.readOnlyRootFs: unknown field',
    ]);
  });

  test('wrong types are rejected: replicas "three", a non-string label value', () => {
    const s = clone(statefulSet) as any;
    s.spec.replicas = 'three';
    s.metadata.labels['app.kubernetes.io/name'] = 7;
    expect(lines(validateObjects([s]))).toEqual(['StatefulSet/kafka .metadata.labels["app.kubernetes.io/name"]: must be string', 'StatefulSet/kafka .spec.replicas: must be integer']);
  });

  test('int-or-string and quantity fields take their forms and nothing else', () => {
    const ok = clone(statefulSet) as any;
    ok.spec.template.spec.containers[0].readinessProbe.tcpSocket.port = 9093;
    ok.spec.template.spec.containers[0].resources.requests = { cpu: '500m', memory: 1073741824 };
    expect(validateObjects([ok])).toEqual([]);
    const bad = clone(statefulSet) as any;
    bad.spec.template.spec.containers[0].readinessProbe.tcpSocket.port = true;
    bad.spec.template.spec.containers[0].resources.requests.memory = '8 GB';
    expect(lines(validateObjects([bad]))).toEqual([
      'StatefulSet/kafka .spec.template.spec.containers[0].readinessProbe.tcpSocket.port: must be string or integer',
      'StatefulSet/kafka .spec.template.spec.containers[0].resources.requests.memory: must be number or a "quantity" string',
    ]);
  });

  test('a PriorityClass description is a field (the models document had dropped every field named description)', () => {
    const pc = { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'kafka' }, value: 1000, description: 'brokers before load jobs' };
    expect(validateObjects([pc])).toEqual([]);
    expect(lines(validateObjects([{ ...pc, descripton: 'x' }]))).toEqual(['PriorityClass/kafka .descripton: unknown field']);
  });

  test('a missing required field and a value outside an enum are named', () => {
    const s = clone(statefulSet) as any;
    delete s.spec.template.spec.containers[0].name;
    s.spec.podManagementPolicy = 'AllAtOnce';
    expect(lines(validateObjects([s]))).toEqual([
      'StatefulSet/kafka .spec.podManagementPolicy: must be one of "OrderedReady", "Parallel"',
      'StatefulSet/kafka .spec.template.spec.containers[0].name: required field is missing',
    ]);
  });
});

describe('custom resources', () => {
  test('the Certificate baseline is valid', () => {
    expect(lines(validateObjects([certificate]))).toEqual([]);
  });

  test('an unknown field in a cert-manager Certificate spec is rejected', () => {
    const c = clone(certificate) as any;
    c.spec.privateKey.encodings = 'PKCS8';
    expect(lines(validateObjects([c]))).toEqual(['Certificate/kafka-tls .spec.privateKey.encodings: unknown field']);
  });

  test('custom resource metadata is checked as ObjectMeta', () => {
    const c = clone(certificate) as any;
    c.metadata.label = { a: 'b' };
    expect(lines(validateObjects([c]))).toEqual(['Certificate/kafka-tls .metadata.label: unknown field']);
  });

  test('a Submariner join without a required field is rejected', () => {
    expect(validateObjects([submariner])).toEqual([]);
    const s = clone(submariner) as any;
    delete s.spec.clusterID;
    expect(lines(validateObjects([s]))).toEqual(['Submariner/submariner .spec.clusterID: required field is missing']);
  });

  test('where the CRD preserves unknown fields (KafkaTopic spec.config) any key goes; next to it, none', () => {
    const t = clone(kafkaTopic) as any;
    t.spec.config['some.future.setting'] = 'x';
    expect(validateObjects([t])).toEqual([]);
    t.spec.configs = {};
    expect(lines(validateObjects([t]))).toEqual(['KafkaTopic/perf .spec.configs: unknown field']);
  });

  test('an ApplicationSet (its CRD repeats the Application template) is checked all the way down', () => {
    const set = {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'ApplicationSet',
      metadata: { name: 'kafka', namespace: 'argocd' },
      spec: {
        generators: [{ list: { elements: [{ cluster: 'us-east4', url: 'https://c1:6443' }] } }],
        template: {
          metadata: { name: '{{cluster}}' },
          spec: { project: 'default', source: { repoURL: 'https://git.example/fleet.git', path: 'clusters/{{cluster}}', targetRevision: 'main' }, destination: { server: '{{url}}' } },
        },
      },
    };
    expect(lines(validateObjects([set]))).toEqual([]);
    const bad = clone(set) as any;
    bad.spec.template.spec.source.paths = 'x';
    bad.spec.generators[0].list.elements[0].anything = 'goes';
    expect(lines(validateObjects([bad]))).toEqual(['ApplicationSet/kafka .spec.template.spec.source.paths: unknown field']);
  });
});

describe('CustomResourceDefinitions (apiextensions.k8s.io/v1, a recursive JSONSchemaProps)', () => {
  // Written for these tests (see its header), so they run on a fresh clone.
  const fixture = yaml.load(readFileSync(join(__dirname, 'fixtures/crd-topicbackups.yaml'), 'utf8')) as any;
  const crd = () => clone(fixture);
  const at = (i: number) => `.spec.versions[${i}].schema.openAPIV3Schema`;
  const ID = 'CustomResourceDefinition/topicbackups.backup.stretched-kafka.example.io';

  test('a CRD as upstream projects write it passes: descriptions, nested properties, maps, lists, x-kubernetes-* and CEL rules at every depth', () => {
    expect(fixture.kind).toBe('CustomResourceDefinition');
    expect(lines(validateObjects([fixture], 'crds.yaml'))).toEqual([]);
  });

  test('a wrong field is still rejected, at any depth of the schema and of the CRD around it', () => {
    const c = crd();
    const spec = c.spec.versions[0].schema.openAPIV3Schema.properties.spec;
    spec.properties.schedule.descripton = 'typo'; // next to properties
    spec.properties.topics.items.properties.name.maxLenght = 10; // under items
    spec.properties.target.properties.tags.additionalProperties.minLenght = 1; // under additionalProperties
    spec['x-kubernetes-validation'] = []; // an extension that does not exist
    spec['x-kubernetes-validations'][0].fieldPath = '.workers'; // Kubernetes 1.28, not 1.27
    c.spec.versions[0].additionalPrinterColumns[0].descripton = 'typo';
    c.spec.versions[0].selectableFields = [{ jsonPath: '.spec.schedule' }]; // Kubernetes 1.30
    expect(lines(validateObjects([c], 'crds.yaml')).sort()).toEqual([
      `crds.yaml#1 ${ID} .spec.versions[0].additionalPrinterColumns[0].descripton: unknown field`,
      `crds.yaml#1 ${ID} ${at(0)}.properties.spec.x-kubernetes-validation: unknown field`,
      `crds.yaml#1 ${ID} ${at(0)}.properties.spec.properties.schedule.descripton: unknown field`,
      `crds.yaml#1 ${ID} ${at(0)}.properties.spec.properties.target.properties.tags.additionalProperties.minLenght: unknown field`,
      `crds.yaml#1 ${ID} ${at(0)}.properties.spec.properties.topics.items.properties.name.maxLenght: unknown field`,
      `crds.yaml#1 ${ID} ${at(0)}.properties.spec.x-kubernetes-validations[0].fieldPath: unknown field`,
      `crds.yaml#1 ${ID} .spec.versions[0].selectableFields: unknown field`,
    ].sort());
  });

  test('wrong values are rejected: a type that is no JSON schema type, a rule without its expression, preserve-unknown-fields false', () => {
    const c = crd();
    const spec = c.spec.versions[0].schema.openAPIV3Schema.properties.spec;
    spec.properties.schedule.type = 'text';
    delete spec['x-kubernetes-validations'][0].rule;
    spec.properties.extraConfig['x-kubernetes-preserve-unknown-fields'] = false;
    spec.properties.topics.items = 'TopicSelector';
    spec.properties.target.properties.tags.additionalProperties = 'string';
    expect(lines(validateObjects([c])).sort()).toEqual(
      [
        `${ID} ${at(0)}.properties.spec.properties.extraConfig.x-kubernetes-preserve-unknown-fields: must be one of true`,
        `${ID} ${at(0)}.properties.spec.properties.schedule.type: must be one of "array", "boolean", "integer", "number", "object", "string"`,
        `${ID} ${at(0)}.properties.spec.properties.target.properties.tags.additionalProperties: must be object`,
        `${ID} ${at(0)}.properties.spec.properties.topics.items: must be object`,
        `${ID} ${at(0)}.properties.spec.x-kubernetes-validations[0].rule: required field is missing`,
      ].sort(),
    );
  });

  test('the unions decode as Kubernetes decodes them: additionalProperties a schema or a boolean, items a schema or a list, dependencies a schema or names', () => {
    const c = crd();
    const spec = c.spec.versions[0].schema.openAPIV3Schema.properties.spec;
    spec.properties.extraConfig = { type: 'object', additionalProperties: true };
    spec.properties.podTemplate.additionalProperties = false;
    spec.properties.topics.items = [{ type: 'object', description: 'first' }, { type: 'string' }];
    spec.dependencies = { endpoint: ['bucket'], workers: { description: 'needs retention', required: ['retention'] } };
    expect(lines(validateObjects([c]))).toEqual([]);
  });
});

describe('what has no schema, or is no object', () => {
  test('an unknown kind is an error, not skipped', () => {
    expect(lines(validateObjects([{ apiVersion: 'route.openshift.io/v2', kind: 'Route', metadata: { name: 'akhq' } }]))).toEqual([
      'Route/akhq .: no schema for kind Route in route.openshift.io/v2; it cannot be checked (kubectl refuses a kind whose CRD is not installed): add its CRD to scripts/extract-schemas.mjs',
    ]);
    // A known kind at a version we do not have is unknown too.
    expect(lines(validateObjects([{ ...kafkaTopic, apiVersion: 'kafka.strimzi.io/v1alpha1' }]))[0]).toMatch(/no schema for kind KafkaTopic in kafka\.strimzi\.io\/v1alpha1;/);
  });

  test('a document that is not an object, or lacks apiVersion/kind, is an error', () => {
    expect(lines(validateObjects(['text', { kind: 'ConfigMap', metadata: { name: 'x' } }], 'f.yaml'))).toEqual([
      'f.yaml#1 (not an object) .: must be a mapping (a Kubernetes object)',
      'f.yaml#2 ConfigMap/x .: apiVersion and kind must be strings',
    ]);
  });

  test('the kustomization file is held to the fields kustomize knows', () => {
    const k = { apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: ['kafka/StatefulSet-kafka.yaml'] };
    expect(validateObjects([k])).toEqual([]);
    expect(lines(validateObjects([{ ...k, resource: [] }]))).toEqual(['Kustomization/(unnamed) .resource: unknown field']);
  });
});

describe('schemas in the repository', () => {
  test('Kubernetes definitions are the 1.27 API and cover the kinds the generator writes', () => {
    expect(KUBERNETES.source).toMatch(/Kubernetes v1\.27\./);
    for (const k of ['v1/Namespace', 'v1/Service', 'v1/ConfigMap', 'apps/v1/StatefulSet', 'apps/v1/Deployment', 'batch/v1/Job', 'networking.k8s.io/v1/NetworkPolicy', 'policy/v1/PodDisruptionBudget']) {
      expect(KUBERNETES.kinds).toHaveProperty([k]);
    }
  });

  test('one storage version per CRD, for every upstream family the generator uses (Strimzi: one per metadata mode)', () => {
    const byKind: Record<string, string[]> = {};
    for (const c of CRDS) (byKind[c.kind] ??= []).push(c.apiVersion);
    expect(byKind).toMatchObject({
      Certificate: ['cert-manager.io/v1'],
      Submariner: ['submariner.io/v1alpha1'],
      ServiceExport: ['multicluster.x-k8s.io/v1alpha1'],
      // Strimzi 0.45 (ZooKeeper mode) serves v1beta2, Strimzi 1.2 (KRaft mode) only v1.
      KafkaTopic: ['kafka.strimzi.io/v1beta2', 'kafka.strimzi.io/v1'],
      KafkaUser: ['kafka.strimzi.io/v1beta2', 'kafka.strimzi.io/v1'],
      ApplicationSet: ['argoproj.io/v1alpha1'],
      GitRepository: ['source.toolkit.fluxcd.io/v1'],
      Kustomization: ['kustomize.toolkit.fluxcd.io/v1'],
    });
    expect(new Set(CRDS.map((c) => `${c.apiVersion}/${c.kind}`)).size).toBe(CRDS.length);
  });
});

test('pathOf tells list indices from keys by the data, and quotes keys that are not identifiers', () => {
  const doc = { spec: { containers: [{ env: [] }] }, metadata: { labels: { 'a.b/c': 'x', '0': 'y' } } };
  expect(pathOf('', doc)).toBe('.');
  expect(pathOf('/spec/containers/0/env', doc)).toBe('.spec.containers[0].env');
  expect(pathOf('/metadata/labels/a.b~1c', doc)).toBe('.metadata.labels["a.b/c"]');
  expect(pathOf('/metadata/labels/0', doc)).toBe('.metadata.labels["0"]');
});
