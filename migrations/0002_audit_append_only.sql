-- The audit trail is append-only (SPEC 5). These triggers refuse UPDATE, DELETE and TRUNCATE on
-- the audit events, the hash chain and the checkpoints for every role, the owner included.
-- A superuser can still disable triggers; the hash chain and the signed checkpoints are what
-- detect that (npm run audit:verify).
--
-- Production: run the service as a role that cannot disable triggers or alter these tables, e.g.
--   CREATE ROLE jj_app LOGIN PASSWORD '...';
--   GRANT USAGE ON SCHEMA public TO jj_app;
--   GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO jj_app;
--   REVOKE UPDATE, DELETE, TRUNCATE ON audit_events, audit_chain, audit_checkpoints FROM jj_app;
-- and apply migrations with a separate owner role (npm run db:migrate with that role's URL).
CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit trail is append-only: % on % refused', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'insufficient_privilege';
END;
$$;
--> statement-breakpoint
CREATE TRIGGER audit_events_no_update BEFORE UPDATE OR DELETE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
--> statement-breakpoint
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
  FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
--> statement-breakpoint
CREATE TRIGGER audit_chain_no_update BEFORE UPDATE OR DELETE ON audit_chain
  FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
--> statement-breakpoint
CREATE TRIGGER audit_chain_no_truncate BEFORE TRUNCATE ON audit_chain
  FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
--> statement-breakpoint
CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE OR DELETE ON audit_checkpoints
  FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
--> statement-breakpoint
CREATE TRIGGER audit_checkpoints_no_truncate BEFORE TRUNCATE ON audit_checkpoints
  FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
--> statement-breakpoint
-- The chain starts from a fixed genesis hash (64 zeros).
INSERT INTO audit_seal_state (id, last_seq, last_hash, sealed_below_txid)
VALUES (1, 0, repeat('0', 64), 0) ON CONFLICT DO NOTHING;
