import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { renderOpenApi } from '../src/cli/export-openapi.js';

let served: string;
beforeAll(async () => {
  served = await renderOpenApi();
});

describe('the OpenAPI document', () => {
  it('is committed exactly as the app serves it (run npm run openapi after changing routes)', async () => {
    const committed = readFileSync('openapi/openapi.json', 'utf8');
    expect(JSON.parse(committed)).toEqual(JSON.parse(served));
  });

  it('is OpenAPI 3.1 and every operation has an operationId, tags, a summary and its error responses', async () => {
    const doc = JSON.parse(served);
    expect(doc.openapi).toBe('3.1.0');
    const ops = Object.entries(doc.paths as Record<string, Record<string, any>>).flatMap(([path, item]) =>
      Object.entries(item).map(([method, op]) => ({ path, method, op })),
    );
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
        for (const status of ['401', '403', '404'])
          expect(op.responses[status], `${path} ${status}`).toBeDefined();
      }
    }
  });
});
