import Ajv from 'ajv';
import { CRDS, customResourceSchema, OBJECT_META, shareRepeated, strictify } from '../src';

describe('strictify', () => {
  test('closes objects whose fields are listed, at every depth of the structural spine', () => {
    const s = strictify({ type: 'object', properties: { spec: { type: 'object', properties: { ports: { type: 'array', items: { type: 'object', properties: { port: { type: 'integer' } } } } } } } }, 'builtin');
    expect(s.additionalProperties).toBe(false);
    const spec = (s.properties as any).spec;
    expect(spec.additionalProperties).toBe(false);
    expect(spec.properties.ports.items.additionalProperties).toBe(false);
  });

  test('leaves maps, preserve-unknown-fields and stated additionalProperties alone', () => {
    const labels = { type: 'object', additionalProperties: { type: 'string' } };
    const free = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, properties: { known: { type: 'string' } } };
    const open = { type: 'object', properties: { a: { type: 'string' } }, additionalProperties: true };
    const s = strictify({ type: 'object', properties: { labels, free, open } }, 'crd') as any;
    expect(s.properties.labels).toEqual(labels);
    expect(s.properties.free.additionalProperties).toBeUndefined();
    expect(s.properties.open.additionalProperties).toBe(true);
  });

  test('an object with no listed fields: open for built-in types (RawExtension), closed for CRDs (pruning)', () => {
    const raw = { type: 'object', properties: { data: { type: 'object' } } };
    expect((strictify(raw, 'builtin') as any).properties.data.additionalProperties).toBeUndefined();
    expect((strictify(raw, 'crd') as any).properties.data.additionalProperties).toBe(false);
  });

  test('subschemas under anyOf/oneOf/allOf/not stay as they are, so they do not reject their siblings', () => {
    const s = strictify({ type: 'object', properties: { a: { type: 'string' }, b: { type: 'string' } }, anyOf: [{ properties: { a: { minLength: 1 } }, required: ['a'] }] }, 'crd');
    expect(s.anyOf).toEqual([{ properties: { a: { minLength: 1 } }, required: ['a'] }]);
    const check = new Ajv({ strict: false }).compile(s);
    expect(check({ a: 'x', b: 'y' })).toBe(true);
    expect(check({ a: 'x', c: 'y' })).toBe(false);
  });

  test('does not modify its input', () => {
    const input = { type: 'object', properties: { a: { type: 'object', properties: { b: { type: 'string' } } } } };
    const copy = JSON.parse(JSON.stringify(input));
    strictify(input, 'crd');
    expect(input).toEqual(copy);
  });
});

test('customResourceSchema checks metadata as ObjectMeta and always admits apiVersion and kind', () => {
  const s = customResourceSchema({ type: 'object', properties: { metadata: { type: 'object' }, spec: { type: 'object', properties: { x: { type: 'string' } } } } }) as any;
  expect(s.properties.metadata).toEqual({ $ref: OBJECT_META });
  expect(s.properties.apiVersion).toEqual({ type: 'string' });
  expect(s.properties.kind).toEqual({ type: 'string' });
  expect(s.additionalProperties).toBe(false);
  expect(s.properties.spec.additionalProperties).toBe(false);
});

describe('shareRepeated', () => {
  const big = { type: 'object', properties: Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`field${i}`, { type: 'string', maxLength: 10 }])), additionalProperties: false };
  const schema = { type: 'object', properties: { a: big, b: { type: 'array', items: big }, c: { type: 'object', properties: { d: big } }, small: { type: 'string' } }, additionalProperties: false };

  test('moves repeated subschemas to definitions once, small ones stay inline', () => {
    const shared = shareRepeated(schema) as any;
    expect(Object.keys(shared.definitions)).toEqual(['shared0']);
    expect(shared.properties.a).toEqual({ $ref: '#/definitions/shared0' });
    expect(shared.properties.b.items).toEqual({ $ref: '#/definitions/shared0' });
    expect(shared.properties.c.properties.d).toEqual({ $ref: '#/definitions/shared0' });
    expect(shared.properties.small).toEqual({ type: 'string' });
    expect(shareRepeated({ type: 'object', properties: { a: big } })).not.toHaveProperty('definitions');
  });

  test('accepts and rejects exactly what the original does', () => {
    const original = new Ajv({ allErrors: true }).compile(schema);
    const shared = new Ajv({ allErrors: true }).compile(shareRepeated(schema));
    const samples = [{}, { a: { field1: 'x' } }, { a: { field1: 'much too long a value' } }, { b: [{ field2: 'x' }, { nope: 1 }] }, { c: { d: { field39: 3 } } }, { small: 1 }, { other: 1 }];
    for (const s of samples) expect([s, shared(s)]).toEqual([s, original(s)]);
  });

  test('shrinks the ApplicationSet CRD schema by an order of magnitude', () => {
    const set = customResourceSchema(CRDS.find((c) => c.kind === 'ApplicationSet')!.schema);
    expect(JSON.stringify(shareRepeated(set)).length * 10).toBeLessThan(JSON.stringify(set).length);
  });
});
