-- Partial indexes for the deadline alerts (src/modules/alerts/rules.ts): each rule's time
-- condition reads only the rows still waiting for something, so evaluating alerts at the database
-- clock on every GET /v1/alerts stays cheap as closed and finished rows accumulate.
CREATE INDEX IF NOT EXISTS "alert_custody_open_pre_trial_idx" ON "custody_episodes" ("started_at") WHERE "released_at" IS NULL AND "kind" = 'pre_trial';--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "alert_cases_open_arrest_idx" ON "cases" ("intake_at") WHERE "intake_kind" = 'arrest' AND "stage" <> 'closed';--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "alert_hearings_scheduled_idx" ON "hearings" ("scheduled_at") WHERE "status" = 'scheduled';--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "alert_hearings_held_idx" ON "hearings" ("case_id", "held_at") WHERE "status" = 'held';--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "alert_legal_aid_waiting_idx" ON "legal_aid_assignments" ("assigned_at") WHERE "status" = 'assigned';--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "alert_legal_aid_requested_idx" ON "legal_aid_assignments" ("case_id", "requested_at") WHERE "status" = 'requested';--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "alert_supervisions_active_idx" ON "supervisions" ("starts_on") WHERE "status" = 'active';--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "alert_supervision_contacts_idx" ON "supervision_entries" ("supervision_id", "occurred_at") WHERE "kind" = 'contact';--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "alert_supervision_violations_idx" ON "supervision_entries" ("occurred_at") WHERE "kind" = 'violation';--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "alert_diversions_open_idx" ON "diversions" ("proposed_at") WHERE "status" IN ('proposed', 'accepted', 'in_progress');--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "alert_consents_guardian_idx" ON "consents" ("person_id") WHERE "grantor_kind" = 'guardian' AND "revoked_at" IS NULL;
