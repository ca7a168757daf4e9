import { defineConfig } from 'drizzle-kit';

// Migrations are generated from the schema and committed; the app applies them at startup on
// both drivers (pg and PGlite), so drizzle-kit never needs a live database here.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/schema/index.ts',
  out: './migrations',
});
