-- UNLOGGED: counters are worth nothing after a crash; no write-ahead log for a per-request upsert.
CREATE UNLOGGED TABLE "rate_limit_counters" (
	"window_start" timestamp with time zone NOT NULL,
	"key" text NOT NULL,
	"count" integer NOT NULL,
	CONSTRAINT "rate_limit_counters_window_start_key_pk" PRIMARY KEY("window_start","key")
);
