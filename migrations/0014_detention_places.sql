CREATE TABLE "custody_incidents" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"facility_id" uuid NOT NULL,
	"custody_episode_id" uuid,
	"case_id" uuid,
	"kind" text NOT NULL,
	"occurred_at" timestamp (3) with time zone NOT NULL,
	"notes" text,
	"created_by" text NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "facilities" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"kind" text NOT NULL,
	"region" text NOT NULL,
	"separated_from_adults" boolean NOT NULL,
	"complaints_mechanism" boolean NOT NULL,
	"capacity" integer,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "facility_inspections" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"facility_id" uuid NOT NULL,
	"custody_episode_id" uuid,
	"inspected_at" timestamp (3) with time zone NOT NULL,
	"inspector_body" text NOT NULL,
	"independent" boolean NOT NULL,
	"findings" text,
	"created_by" text NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "family_visits" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"custody_episode_id" uuid NOT NULL,
	"case_id" uuid NOT NULL,
	"occurred_at" timestamp (3) with time zone NOT NULL,
	"visitor_relationship" text NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "custody_episodes" ADD COLUMN "facility_id" uuid;--> statement-breakpoint
ALTER TABLE "custody_episodes" ADD COLUMN "aftercare_provided" boolean;--> statement-breakpoint
ALTER TABLE "custody_episodes" ADD COLUMN "aftercare_kind" text;--> statement-breakpoint
ALTER TABLE "custody_incidents" ADD CONSTRAINT "custody_incidents_facility_id_facilities_id_fk" FOREIGN KEY ("facility_id") REFERENCES "public"."facilities"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "custody_incidents" ADD CONSTRAINT "custody_incidents_custody_episode_id_custody_episodes_id_fk" FOREIGN KEY ("custody_episode_id") REFERENCES "public"."custody_episodes"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "custody_incidents" ADD CONSTRAINT "custody_incidents_case_id_cases_id_fk" FOREIGN KEY ("case_id") REFERENCES "public"."cases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "facility_inspections" ADD CONSTRAINT "facility_inspections_facility_id_facilities_id_fk" FOREIGN KEY ("facility_id") REFERENCES "public"."facilities"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "facility_inspections" ADD CONSTRAINT "facility_inspections_custody_episode_id_custody_episodes_id_fk" FOREIGN KEY ("custody_episode_id") REFERENCES "public"."custody_episodes"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "family_visits" ADD CONSTRAINT "family_visits_custody_episode_id_custody_episodes_id_fk" FOREIGN KEY ("custody_episode_id") REFERENCES "public"."custody_episodes"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "family_visits" ADD CONSTRAINT "family_visits_case_id_cases_id_fk" FOREIGN KEY ("case_id") REFERENCES "public"."cases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "custody_incidents_facility_idx" ON "custody_incidents" USING btree ("facility_id","occurred_at","id");--> statement-breakpoint
CREATE INDEX "custody_incidents_episode_idx" ON "custody_incidents" USING btree ("custody_episode_id");--> statement-breakpoint
CREATE INDEX "facilities_region_idx" ON "facilities" USING btree ("region","name");--> statement-breakpoint
CREATE INDEX "facility_inspections_idx" ON "facility_inspections" USING btree ("facility_id","inspected_at","id");--> statement-breakpoint
CREATE INDEX "family_visits_episode_idx" ON "family_visits" USING btree ("custody_episode_id","occurred_at","id");--> statement-breakpoint
ALTER TABLE "custody_episodes" ADD CONSTRAINT "custody_episodes_facility_id_facilities_id_fk" FOREIGN KEY ("facility_id") REFERENCES "public"."facilities"("id") ON DELETE no action ON UPDATE no action;