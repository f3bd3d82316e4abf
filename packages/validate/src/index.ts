export { formatProblem, pathOf, validateObjects, Validator } from './validator';
export type { Problem } from './validator';
export { customResourceSchema, OBJECT_META, shareRepeated, strictify } from './strict';
export type { Mode, Schema } from './strict';
export { CRDS, KUBERNETES, KUSTOMIZATION } from './schemas';
export type { CrdSchema, KubernetesSchemas } from './schemas';
export { slashes, writtenByFluxBootstrap, yamlFiles } from './tree';
