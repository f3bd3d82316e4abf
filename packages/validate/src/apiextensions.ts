// The CustomResourceDefinition schema (apiextensions.k8s.io/v1 JSONSchemaProps and friends) as
// Kubernetes 1.27 decodes it, replacing what schemas/k8s-1.27.json has for those definitions.
//
// kubernetes-models@4.3.1, where that file comes from, is wrong here in two ways:
// - it dropped every field named `description` or `x-kubernetes-*` (it strips OpenAPI prose and
//   extensions by key, and these are also field names): JSONSchemaProps lost `description` and
//   its seven `x-kubernetes-*` fields; CustomResourceColumnDefinition (additionalPrinterColumns),
//   ExternalDocumentation and PriorityClass lost `description`; ValidationRule is missing. Strictly checked, every upstream
//   CRD then failed with "unknown field" on the descriptions and validation rules of its schema.
// - the three unions (JSONSchemaPropsOrBool, ...OrArray, ...OrStringArray) are `type: object`
//   with nothing inside: `additionalProperties: true` or an `items` list failed, and the schemas
//   under `items` and `additionalProperties` were not checked at all.
//
// Fields follow k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1/types_jsonschema.go at
// v1.27: ValidationRule has rule, message and messageExpression; reason and fieldPath (1.28) and
// optionalOldSelf (1.29) are unknown fields to a 1.27 API server and are reported as such.
//
// One difference from the API server, on purpose: it decodes the schemas under `items`,
// `additionalProperties`, `additionalItems` and `dependencies` without strict field checking
// (their Go types unmarshal themselves), so it drops an unknown keyword there silently. A typo
// such as `maxLenght` then switches a check off without anyone noticing; here it is an
// "unknown field" at every depth.
import { Schema } from './strict';

const PREFIX = 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.';
const ref = (name: string): Schema => ({ $ref: `${PREFIX}${name}` });
const string = { type: 'string' };
const strings = { type: 'array', items: string };
const integer = { type: 'integer', format: 'int64' };
const number = { type: 'number', format: 'double' };
const boolean = { type: 'boolean' };
const props = ref('JSONSchemaProps');
const propsList = { type: 'array', items: props };
const propsMap = { type: 'object', additionalProperties: props };

/** A union decoded by the first character (`{` or `[`/`true`), as the Go UnmarshalJSON does. */
const union = (when: string, then: Schema, otherwise: Schema): Schema => ({ if: { type: when }, then, else: otherwise });

const JSON_SCHEMA_PROPS: Schema = {
  type: 'object',
  properties: {
    id: string,
    $schema: string,
    $ref: string,
    description: string,
    // The API server accepts only these (validation.go); no type at all is fine too (int-or-string, preserved fields).
    type: { type: 'string', enum: ['array', 'boolean', 'integer', 'number', 'object', 'string'] },
    format: string,
    title: string,
    default: ref('JSON'),
    maximum: number,
    exclusiveMaximum: boolean,
    minimum: number,
    exclusiveMinimum: boolean,
    maxLength: integer,
    minLength: integer,
    pattern: string,
    maxItems: integer,
    minItems: integer,
    uniqueItems: boolean,
    multipleOf: number,
    enum: { type: 'array', items: ref('JSON') },
    maxProperties: integer,
    minProperties: integer,
    required: strings,
    items: ref('JSONSchemaPropsOrArray'),
    allOf: propsList,
    oneOf: propsList,
    anyOf: propsList,
    not: props,
    properties: propsMap,
    additionalProperties: ref('JSONSchemaPropsOrBool'),
    patternProperties: propsMap,
    dependencies: { type: 'object', additionalProperties: ref('JSONSchemaPropsOrStringArray') },
    additionalItems: ref('JSONSchemaPropsOrBool'),
    definitions: propsMap,
    externalDocs: ref('ExternalDocumentation'),
    example: ref('JSON'),
    nullable: boolean,
    // "must be true or undefined" (validation.go).
    'x-kubernetes-preserve-unknown-fields': { type: 'boolean', enum: [true] },
    'x-kubernetes-embedded-resource': boolean,
    'x-kubernetes-int-or-string': boolean,
    'x-kubernetes-list-map-keys': strings,
    'x-kubernetes-list-type': { type: 'string', enum: ['atomic', 'set', 'map'] },
    'x-kubernetes-map-type': { type: 'string', enum: ['granular', 'atomic'] },
    'x-kubernetes-validations': { type: 'array', items: ref('ValidationRule') },
  },
};

/** Definition id -> corrected schema; ids not in the models document (ValidationRule) are added. */
export const APIEXTENSIONS_V1: Readonly<Record<string, Schema>> = {
  [`${PREFIX}JSONSchemaProps`]: JSON_SCHEMA_PROPS,
  [`${PREFIX}JSONSchemaPropsOrBool`]: union('boolean', boolean, props),
  [`${PREFIX}JSONSchemaPropsOrArray`]: union('array', propsList, props),
  [`${PREFIX}JSONSchemaPropsOrStringArray`]: union('array', strings, props),
  [`${PREFIX}ValidationRule`]: { type: 'object', required: ['rule'], properties: { rule: string, message: string, messageExpression: string } },
  [`${PREFIX}ExternalDocumentation`]: { type: 'object', properties: { description: string, url: string } },
};

/** Field -> schema that the models document dropped from other definitions (same cause: the field is named `description`). */
export const MISSING_FIELDS: Readonly<Record<string, Readonly<Record<string, Schema>>>> = {
  [`${PREFIX}CustomResourceColumnDefinition`]: { description: string },
  'io.k8s.api.scheduling.v1.PriorityClass': { description: string },
};
