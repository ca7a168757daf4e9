import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { renderOpenApi } from '../src/cli/export-openapi.js';

let served: string;
let doc: any;
beforeAll(async () => {
  served = await renderOpenApi();
  doc = JSON.parse(served);
});

const operations = () =>
  Object.entries(doc.paths as Record<string, Record<string, any>>).flatMap(([path, item]) =>
    Object.entries(item).map(([method, op]) => ({ path, method, op })),
  );

/** Every schema object in the document, with where it is. */
function schemas(): { at: string; node: Record<string, any> }[] {
  const found: { at: string; node: Record<string, any> }[] = [];
  const walk = (value: any, at: string) => {
    if (Array.isArray(value)) {
      for (const [i, v] of value.entries()) walk(v, `${at}/${i}`);
      return;
    }
    if (value === null || typeof value !== 'object') return;
    if (typeof value.type === 'string' || Array.isArray(value.type)) found.push({ at, node: value });
    for (const [k, v] of Object.entries(value)) walk(v, `${at}/${k}`);
  };
  walk(doc.components.schemas, '#/components/schemas');
  walk(doc.paths, '#/paths');
  return found;
}

describe('the OpenAPI document', () => {
  it('is committed exactly as the app serves it (run npm run openapi after changing routes)', async () => {
    const committed = readFileSync('openapi/openapi.json', 'utf8');
    expect(JSON.parse(committed)).toEqual(doc);
  });

  it('is OpenAPI 3.1 and every operation has an operationId, tags, a summary and its error responses', async () => {
    expect(doc.openapi).toBe('3.1.0');
    const ops = operations();
    expect(ops.length).toBeGreaterThan(10);
    const ids = new Set<string>();
    for (const { path, op } of ops) {
      expect(op.operationId, path).toEqual(expect.any(String));
      expect(ids.has(op.operationId), `duplicate ${op.operationId}`).toBe(false);
      ids.add(op.operationId);
      expect(op.tags?.length, path).toBeGreaterThan(0);
      expect(op.summary, path).toEqual(expect.any(String));
      expect(op.responses['500'], path).toBeDefined();
      if (path.startsWith('/v1')) {
        expect(op.security, path).toEqual([{ bearerAuth: [] }]);
        for (const status of ['400', '401', '403', '429', '503'])
          expect(op.responses[status], `${path} ${status}`).toBeDefined();
        if (path.includes('{')) expect(op.responses['404'], `${path} 404`).toBeDefined();
      } else {
        expect(op.security, `${path} is public`).toEqual([]);
      }
    }
  });

  it('describes every response in words, errors as problem+json, and declares the headers', () => {
    for (const { path, method, op } of operations()) {
      for (const [status, response] of Object.entries<any>(op.responses)) {
        const where = `${method} ${path} ${status}`;
        expect(response.description, where).not.toBe('Default Response');
        expect(response.description?.length, where).toBeGreaterThan(3);
        expect(response.headers['X-Request-Id'], where).toBeDefined();
        if (Number(status) >= 400) {
          expect(response.content, where).toEqual({
            'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } },
          });
        }
        if (path.startsWith('/v1')) {
          for (const h of ['RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset', 'RateLimit-Policy'])
            expect(response.headers[h], `${where} ${h}`).toBeDefined();
        }
        if (status === '429' || status === '503')
          expect(response.headers['Retry-After'], where).toBeDefined();
      }
      const headerParams = (op.parameters ?? []).map((p: any) =>
        p.$ref ? doc.components.parameters[p.$ref.split('/').pop()].name : p.in === 'header' ? p.name : null,
      );
      if (path.startsWith('/v1')) {
        expect(headerParams, path).toEqual(
          expect.arrayContaining(['Purpose-Of-Use', 'Court-Order-Reference']),
        );
        if (method === 'post') expect(headerParams, path).toContain('Idempotency-Key');
        if (op.responses['412']) expect(headerParams, path).toContain('If-Match');
      }
    }
    const getCase = doc.paths['/v1/cases/{id}'].get;
    expect(getCase.responses['200'].headers.ETag).toBeDefined();
    const createCase = doc.paths['/v1/cases'].post;
    expect(Object.keys(createCase.responses['201'].headers)).toEqual(
      expect.arrayContaining(['ETag', 'Location', 'Idempotent-Replayed']),
    );
  });

  it('has one component per shape: no unused component and no *Input twin', () => {
    const names = Object.keys(doc.components.schemas);
    expect(names.filter((n) => n.endsWith('Input') && names.includes(n.slice(0, -5)))).toEqual([]);
    const text = JSON.stringify({ paths: doc.paths, schemas: doc.components.schemas });
    for (const name of names) expect(text, name).toContain(`"#/components/schemas/${name}"`);
  });

  it('bounds every string and array, gives every integer a format, and types every date', () => {
    for (const { at, node } of schemas()) {
      const types = Array.isArray(node.type) ? node.type : [node.type];
      if (types.includes('string') && node.enum === undefined && node.const === undefined)
        expect(node.maxLength, at).toEqual(expect.any(Number));
      if (types.includes('array')) expect(node.maxItems, at).toEqual(expect.any(Number));
      if (types.includes('integer')) expect(['int32', 'int64'], at).toContain(node.format);
    }
    // Dates the service writes are strings of date-time, never an untyped schema.
    expect(doc.components.schemas.Case.properties.createdAt).toMatchObject({
      type: 'string',
      format: 'date-time',
    });
  });

  it('lists every closed set as an enumeration', () => {
    const s = doc.components.schemas;
    expect(s.EventType.enum).toContain('case.created');
    expect(s.TimelineEvent.properties.kind.enum).toContain('intake_accepted');
    expect(s.Case.properties.stage.enum).toEqual(expect.any(Array));
    expect(s.WebhookSubscription.properties.status.enum).toEqual(expect.any(Array));
  });
});
