import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Config } from '../../config.js';
import type { Db } from '../../db/client.js';
import { contextOf } from '../../plugins/auth.js';
import { IndicatorQuery, IndicatorReport, PopulationPut, PopulationResult } from './schemas.js';
import { indicatorsCsv, statisticsService } from './service.js';

export const statisticsRoutes: FastifyPluginAsyncZod<{ db: Db; config: Config }> = async (
  app,
  { db, config },
) => {
  const service = statisticsService(db, config);
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
};
