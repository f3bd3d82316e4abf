import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { CRDS, CrdSchema, KUBERNETES, KUSTOMIZATION } from './schemas';
import { customResourceSchema, shareRepeated, strictify } from './strict';

/** One schema violation, printed as one line by `formatProblem`. */
export interface Problem {
  /**
   * Which object: `<file>#<n> <Kind>/<name>` (n: the YAML document's position in the file, from 1),
   * or `<Kind>/<name>` when no file was given.
   */
  readonly object: string;
  /** Where in the object, e.g. `.spec.template.spec.containers[0].image`; `.` for the whole object. */
  readonly path: string;
  readonly message: string;
}

export function formatProblem(p: Problem): string {
  return `${p.object} ${p.path}: ${p.message}`;
}

// Kubernetes' resource.Quantity: a decimal number with an optional SI, binary or exponent suffix.
const QUANTITY = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+|[KMGTPE]i|[numkMGTPE])?$/;

/** Schema vocabulary of the Kubernetes OpenAPI extensions that carry no check a schema can make here. */
const ANNOTATIONS = ['x-kubernetes-list-type', 'x-kubernetes-list-map-keys', 'x-kubernetes-map-type', 'x-kubernetes-preserve-unknown-fields', 'x-kubernetes-validations'];

/**
 * CRD patterns are Go (RE2) expressions, which the API server compiles; JavaScript has no inline
 * flag group, so a leading `(?i)` (Prometheus Operator's partial_response_strategy) becomes the
 * `i` flag. Any other Go-only syntax still fails to compile, loudly.
 */
const goRegExp = Object.assign(
  (pattern: string, flags: string): RegExp =>
    pattern.startsWith('^(?i)') ? new RegExp(`^${pattern.slice(5)}`, `${flags}i`) : pattern.startsWith('(?i)') ? new RegExp(pattern.slice(4), `${flags}i`) : new RegExp(pattern, flags),
  // Only used by ajv's standalone code generation, which this project does not do.
  { code: 'new RegExp' },
);

function newAjv(): Ajv {
  // strict schema mode stays on (an unknown keyword in a schema is an error, not a silent pass);
  // the type/tuple hints are off because upstream OpenAPI does not follow them.
  const ajv = new Ajv({ allErrors: true, strict: true, strictTypes: false, strictTuples: false, strictRequired: false, code: { regExp: goRegExp } });
  addFormats(ajv);
  ajv.addFormat('quantity', QUANTITY);
  for (const keyword of ANNOTATIONS) ajv.addKeyword(keyword);
  ajv.addKeyword({
    keyword: 'x-kubernetes-int-or-string',
    schemaType: 'boolean',
    validate: (on: boolean, data: unknown) => !on || typeof data === 'string' || Number.isInteger(data),
  });
  return ajv;
}

/** The known kinds: built-in Kubernetes types, the CRDs' storage versions and kustomize's file. */
export class Validator {
  private readonly ajv = newAjv();
  private readonly crds = new Map<string, CrdSchema>(CRDS.map((c) => [`${c.apiVersion}/${c.kind}`, c]));
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor() {
    for (const [id, schema] of Object.entries(KUBERNETES.definitions)) this.ajv.addSchema(strictify(schema, 'builtin'), id);
  }

  /** `<apiVersion>/<kind>` of every kind that has a schema. */
  kinds(): string[] {
    return [...Object.keys(KUBERNETES.kinds), ...this.crds.keys(), `${KUSTOMIZATION.apiVersion}/${KUSTOMIZATION.kind}`].sort();
  }

  /** The compiled check for one kind, or undefined when there is no schema for it. */
  private check(apiVersion: string, kind: string): ValidateFunction | undefined {
    const key = `${apiVersion}/${kind}`;
    let fn = this.compiled.get(key);
    if (fn) return fn;
    const builtin = KUBERNETES.kinds[key];
    if (builtin) fn = this.ajv.getSchema(builtin);
    else if (this.crds.has(key)) fn = this.ajv.compile(shareRepeated(customResourceSchema(this.crds.get(key)!.schema)));
    else if (apiVersion === KUSTOMIZATION.apiVersion && kind === KUSTOMIZATION.kind) fn = this.ajv.compile(strictify(KUSTOMIZATION.schema, 'builtin'));
    if (fn) this.compiled.set(key, fn);
    return fn;
  }

  /**
   * Every problem of every object. `file` (where the objects were read from, one per YAML
   * document) prefixes each object id with the file and the document's position, from 1.
   */
  validate(objects: readonly unknown[], file?: string): Problem[] {
    return objects.flatMap((o, i) => this.validateDocument(o, i, file));
  }

  /** The problems of one object, the document at `index` (from 0) of `file` when one is given. */
  validateDocument(o: unknown, index: number, file?: string): Problem[] {
    const at = (what: string) => (file ? `${file}#${index + 1} ${what}` : what);
    if (typeof o !== 'object' || o === null || Array.isArray(o)) return [{ object: at('(not an object)'), path: '.', message: 'must be a mapping (a Kubernetes object)' }];
    const obj = o as { apiVersion?: unknown; kind?: unknown; metadata?: { name?: unknown } };
    const object = at(`${String(obj.kind ?? '?')}/${String(obj.metadata?.name ?? '(unnamed)')}`);
    if (typeof obj.apiVersion !== 'string' || typeof obj.kind !== 'string') return [{ object, path: '.', message: 'apiVersion and kind must be strings' }];
    const fn = this.check(obj.apiVersion, obj.kind);
    // Unchecked is not valid: the API server refuses a kind whose CRD is not installed, and a
    // kind we have no schema for could hide any typo.
    if (!fn) {
      return [
        {
          object,
          path: '.',
          message: `no schema for kind ${obj.kind} in ${obj.apiVersion}; it cannot be checked (kubectl refuses a kind whose CRD is not installed): add its CRD to scripts/extract-schemas.mjs`,
        },
      ];
    }
    if (fn(o)) return [];
    const lines = new Map<string, Problem>();
    for (const e of describe(fn.errors ?? [], o)) lines.set(`${e.path}: ${e.message}`, { object, ...e });
    return [...lines.values()];
  }
}

let shared: Validator | undefined;

/** Validates objects against the Kubernetes 1.27 and CRD schemas, rejecting unknown fields. */
export function validateObjects(objects: readonly unknown[], file?: string): Problem[] {
  shared ??= new Validator();
  return shared.validate(objects, file);
}

/** JSON pointer -> `.a.b[0]["app.kubernetes.io/name"]`, telling list indices from keys by the data. */
export function pathOf(pointer: string, root: unknown): string {
  if (!pointer) return '.';
  let node = root;
  let out = '';
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    out += Array.isArray(node) ? `[${key}]` : /^[A-Za-z_$][\w$-]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
    node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined;
  }
  return out;
}

function branchText(e: ErrorObject): string {
  if (e.keyword === 'type') return `${e.params.type}`;
  if (e.keyword === 'format') return `a "${e.params.format}" string`;
  return e.message ?? e.keyword;
}

/** ajv errors -> problems. The branch errors of a failed oneOf/anyOf fold into one line. */
function describe(errors: readonly ErrorObject[], root: unknown): Omit<Problem, 'object'>[] {
  const unions = errors.filter((e) => e.keyword === 'oneOf' || e.keyword === 'anyOf');
  const branchOf = (e: ErrorObject) => unions.find((u) => e !== u && e.schemaPath.startsWith(`${u.schemaPath}/`) && e.instancePath.startsWith(u.instancePath));
  return errors.flatMap((e) => {
    if (branchOf(e)) return [];
    const path = pathOf(e.instancePath, root);
    switch (e.keyword) {
      case 'additionalProperties':
        return [{ path: pathOf(`${e.instancePath}/${escape(e.params.additionalProperty)}`, root), message: 'unknown field' }];
      case 'required':
        return [{ path: `${path === '.' ? '' : path}.${e.params.missingProperty}`, message: 'required field is missing' }];
      case 'enum':
        return [{ path, message: `must be one of ${(e.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}` }];
      // `must match "then" schema`: the failing branch's own errors say what is wrong (the
      // JSONSchemaProps unions of apiextensions.ts).
      case 'if':
        return [];
      case 'x-kubernetes-int-or-string':
        return [{ path, message: 'must be an integer or a string' }];
      case 'oneOf':
      case 'anyOf': {
        const branches = errors.filter((b) => branchOf(b) === e).map(branchText);
        return [{ path, message: branches.length ? `must be ${[...new Set(branches)].join(' or ')}` : (e.message ?? e.keyword) }];
      }
      default:
        return [{ path, message: e.message ?? e.keyword }];
    }
  });
}

function escape(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}
