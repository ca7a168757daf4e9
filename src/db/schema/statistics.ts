import { integer, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * Children in the population, by region, sex, single year of age and year: the denominators of the
 * rates per 100,000 children (indicator 1). Loaded by the statistics office; no personal data.
 */
export const populationFigures = pgTable(
  'population_figures',
  {
    year: integer('year').notNull(),
    region: text('region').notNull(),
    sex: text('sex').notNull(),
    age: integer('age').notNull(),
    count: integer('count').notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.year, t.region, t.sex, t.age] })],
);
