import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Config } from '../../config.js';
import type { Database, Db } from '../../db/client.js';
import { contextOf } from '../../plugins/auth.js';
import { IndicatorQuery, IndicatorReport, PopulationPut, PopulationResult } from './schemas.js';
import { renderReport } from './report.js';
import { indicatorsCsv, statisticsService } from './service.js';

export const statisticsRoutes: FastifyPluginAsyncZod<{
  db: Db;
  config: Config;
  database?: Database;
}> = async (app, { db, config, database }) => {
  const service = statisticsService(db, config, database?.readLagTolerant);
  const tags = ['statistics'];

  app.put(
    '/statistics/population',
    {
      schema: {
        operationId: 'putPopulation',
        tags,
        summary: 'Replace the population figures of a year (children by region, sex and age), for rates',
        body: PopulationPut,
        response: { 200: PopulationResult },
      },
    },
    async (request) => service.putPopulation(contextOf(request), request.body),
  );

  app.get(
    '/statistics/indicators',
    {
      schema: {
        operationId: 'getIndicators',
        tags,
        summary:
          'The juvenile justice indicators for a period of whole months (analysts and auditors); Accept: text/csv for CSV',
        querystring: IndicatorQuery,
        response: { 200: IndicatorReport },
      },
    },
    async (request, reply) => {
      const report = await service.indicators(contextOf(request), request.query);
      if ((request.headers.accept ?? '').includes('text/csv')) {
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="indicators-${report.from}-${report.to}.csv"`)
          .serializer((s: string) => s)
          .send(indicatorsCsv(report) as never);
      }
      return report;
    },
  );

  app.get(
    '/statistics/report',
    {
      schema: {
        operationId: 'getIndicatorReport',
        tags,
        summary:
          'The indicators as a printable HTML page with SVG charts and tables (Accept-Language: az for Azerbaijani)',
        querystring: IndicatorQuery,
        response: { 200: z.string().max(2_000_000).describe('An HTML page (text/html)') },
      },
    },
    async (request, reply) => {
      const report = await service.indicators(contextOf(request), request.query);
      const lang = /^az\b/i.test(String(request.headers['accept-language'] ?? '')) ? 'az' : 'en';
      return (
        reply
          .type('text/html; charset=utf-8')
          .header('content-language', lang)
          // Its own policy: inline styles and nothing else (no script, no outside request).
          .header(
            'content-security-policy',
            "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
          )
          .serializer((s: string) => s)
          .send(renderReport(report, lang) as never)
      );
    },
  );
};
