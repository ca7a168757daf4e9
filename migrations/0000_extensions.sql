-- Extensions the schema relies on. pg_trgm backs fuzzy matching of children's names.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
