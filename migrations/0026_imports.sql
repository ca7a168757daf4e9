CREATE TABLE "import_external_ids" (
	"owner" text NOT NULL,
	"kind" text NOT NULL,
	"external_id" text NOT NULL,
	"resource_id" uuid NOT NULL,
	"import_id" uuid NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "import_external_ids_pkey" PRIMARY KEY("owner","kind","external_id")
);
--> statement-breakpoint
CREATE TABLE "import_lines" (
	"import_id" uuid NOT NULL,
	"line_no" integer NOT NULL,
	"kind" text,
	"external_id" text,
	"outcome" text NOT NULL,
	"resource_id" uuid,
	"problems" jsonb,
	CONSTRAINT "import_lines_pkey" PRIMARY KEY("import_id","line_no")
);
--> statement-breakpoint
CREATE TABLE "imports" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"owner" text NOT NULL,
	"actor_sub" text NOT NULL,
	"actor_org" text,
	"client_id" text,
	"status" text DEFAULT 'running' NOT NULL,
	"bytes" integer DEFAULT 0 NOT NULL,
	"lines" integer DEFAULT 0 NOT NULL,
	"created" integer DEFAULT 0 NOT NULL,
	"duplicates" integer DEFAULT 0 NOT NULL,
	"errors" integer DEFAULT 0 NOT NULL,
	"problem" text,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"completed_at" timestamp (3) with time zone
);
--> statement-breakpoint
ALTER TABLE "import_lines" ADD CONSTRAINT "import_lines_import_id_imports_id_fk" FOREIGN KEY ("import_id") REFERENCES "public"."imports"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "imports_owner_idx" ON "imports" USING btree ("owner","created_at");