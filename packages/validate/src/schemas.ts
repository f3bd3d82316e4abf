// The committed schemas (written by scripts/extract-schemas.mjs). Loaded with require calls
// that esbuild can resolve at build time, so dist/validate.js carries them and jest finds them
// from the source; not `import`, because tsc would infer a type for 600 KB of JSON on every
// typecheck.
import { APIEXTENSIONS_V1, MISSING_FIELDS } from './apiextensions';
import { Schema } from './strict';

export interface KubernetesSchemas {
  /** Which document the definitions come from, e.g. "kubernetes-models@4.3.1 (Kubernetes v1.27.1)". */
  readonly source: string;
  /** `<apiVersion>/<kind>` -> definition id. */
  readonly kinds: Readonly<Record<string, string>>;
  /** Definition id -> schema; `$ref`s name other ids. */
  readonly definitions: Readonly<Record<string, Schema>>;
}

export interface CrdSchema {
  /** The CRD's name, e.g. certificates.cert-manager.io. */
  readonly name: string;
  /** The upstream copy it was taken from, relative to shared/crds. */
  readonly source: string;
  readonly apiVersion: string;
  readonly kind: string;
  readonly scope: string;
  readonly schema: Schema;
}

/** The committed document with the definitions it has wrong replaced (see apiextensions.ts). */
function corrected(models: KubernetesSchemas): KubernetesSchemas {
  const definitions: Record<string, Schema> = { ...models.definitions, ...APIEXTENSIONS_V1 };
  for (const [id, fields] of Object.entries(MISSING_FIELDS)) {
    const d = definitions[id];
    if (d) definitions[id] = { ...d, properties: { ...(d.properties as Record<string, Schema>), ...fields } };
  }
  return { ...models, definitions };
}

export const KUBERNETES: KubernetesSchemas = corrected(require('../../../schemas/k8s-1.27.json'));

/** Every CRD in schemas/crds/ (index.json lists them; esbuild bundles each file the pattern matches). */
export const CRDS: readonly CrdSchema[] = (require('../../../schemas/crds/index.json') as string[]).map((name) => require(`../../../schemas/crds/${name}.json`));

const strings = { type: 'array', items: { type: 'string', minLength: 1 } };
const stringMap = { type: 'object', additionalProperties: { type: 'string' } };
const objects = { type: 'array', items: { type: 'object' } };

/**
 * kustomize's own file is not a Kubernetes object and has no published schema. kustomize decodes
 * it rejecting unknown top-level fields; this lists those fields (api/types/kustomization.go) with
 * their shapes, and leaves the inside of patches, generators and charts to kustomize.
 */
export const KUSTOMIZATION: { readonly apiVersion: string; readonly kind: string; readonly schema: Schema } = {
  apiVersion: 'kustomize.config.k8s.io/v1beta1',
  kind: 'Kustomization',
  schema: {
    type: 'object',
    required: ['apiVersion', 'kind'],
    properties: {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: { type: 'object' },
      openapi: stringMap,
      namePrefix: { type: 'string' },
      nameSuffix: { type: 'string' },
      namespace: { type: 'string' },
      commonLabels: stringMap,
      labels: objects,
      commonAnnotations: stringMap,
      patchesStrategicMerge: { type: 'array', items: { type: 'string' } },
      patchesJson6902: objects,
      patches: objects,
      images: objects,
      imageTags: objects,
      replacements: objects,
      replicas: objects,
      vars: objects,
      sortOptions: { type: 'object' },
      resources: strings,
      components: strings,
      crds: strings,
      bases: strings,
      configMapGenerator: objects,
      secretGenerator: objects,
      helmGlobals: { type: 'object' },
      helmCharts: objects,
      helmChartInflationGenerator: objects,
      generatorOptions: { type: 'object' },
      configurations: strings,
      generators: strings,
      transformers: strings,
      validators: strings,
      buildMetadata: strings,
    },
  },
};
