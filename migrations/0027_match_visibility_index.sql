-- REVIEW FLAG: builds an index on cases without CONCURRENTLY (one scan of the table, a few seconds
-- per million cases; the index holds only the sealed and expunged ones): writes to cases wait for it.
-- The match's visibility condition (a child whose every case is sealed or expunged is no candidate)
-- probes it before reading any of the candidate's cases: src/modules/persons/repository.ts, matches.
CREATE INDEX "cases_closed_person_idx" ON "cases" USING btree ("person_id") WHERE "cases"."sealed_at" IS NOT NULL OR "cases"."expunged_at" IS NOT NULL;