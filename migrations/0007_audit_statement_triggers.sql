-- Row triggers do not fire when a statement touches no row, so "DELETE FROM audit_chain" on an
-- empty or filtered-out table would succeed silently. Statement-level triggers refuse the attempt
-- itself, whatever it matches.
CREATE TRIGGER audit_events_no_update_stmt BEFORE UPDATE OR DELETE ON audit_events
  FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
--> statement-breakpoint
CREATE TRIGGER audit_chain_no_update_stmt BEFORE UPDATE OR DELETE ON audit_chain
  FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
--> statement-breakpoint
CREATE TRIGGER audit_checkpoints_no_update_stmt BEFORE UPDATE OR DELETE ON audit_checkpoints
  FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
