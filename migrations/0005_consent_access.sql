CREATE TABLE "consents" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"person_id" uuid NOT NULL,
	"grantor_kind" text NOT NULL,
	"grantor_name" text,
	"court_order_ref" text,
	"grantee_type" text NOT NULL,
	"grantee_value" text NOT NULL,
	"categories" text[] NOT NULL,
	"purposes" text[] NOT NULL,
	"valid_from" timestamp (3) with time zone NOT NULL,
	"valid_until" timestamp (3) with time zone,
	"evidence_ref" text,
	"recorded_by" text NOT NULL,
	"recorded_by_org" text,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"revoked_at" timestamp (3) with time zone,
	"revoked_by" text
);
--> statement-breakpoint
CREATE TABLE "court_orders" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"case_id" uuid NOT NULL,
	"reference" text NOT NULL,
	"issuing_court_org_id" text NOT NULL,
	"categories" text[] NOT NULL,
	"purposes" text[] NOT NULL,
	"grantees" jsonb NOT NULL,
	"valid_from" timestamp (3) with time zone NOT NULL,
	"valid_until" timestamp (3) with time zone,
	"recorded_by" text NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "break_glass_grants" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"case_id" uuid NOT NULL,
	"sub" text NOT NULL,
	"role" text NOT NULL,
	"org_id" text,
	"reason" text,
	"opened_at" timestamp (3) with time zone NOT NULL,
	"expires_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "consents" ADD CONSTRAINT "consents_person_id_persons_id_fk" FOREIGN KEY ("person_id") REFERENCES "public"."persons"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "court_orders" ADD CONSTRAINT "court_orders_case_id_cases_id_fk" FOREIGN KEY ("case_id") REFERENCES "public"."cases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "break_glass_grants" ADD CONSTRAINT "break_glass_grants_case_id_cases_id_fk" FOREIGN KEY ("case_id") REFERENCES "public"."cases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "consents_person_idx" ON "consents" USING btree ("person_id","created_at");--> statement-breakpoint
CREATE INDEX "court_orders_case_idx" ON "court_orders" USING btree ("case_id","created_at");--> statement-breakpoint
CREATE INDEX "break_glass_case_idx" ON "break_glass_grants" USING btree ("case_id","sub","expires_at");--> statement-breakpoint
CREATE INDEX "break_glass_opened_idx" ON "break_glass_grants" USING btree ("opened_at","id");