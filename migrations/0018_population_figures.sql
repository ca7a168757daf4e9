CREATE TABLE "population_figures" (
	"year" integer NOT NULL,
	"region" text NOT NULL,
	"sex" text NOT NULL,
	"age" integer NOT NULL,
	"count" integer NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "population_figures_year_region_sex_age_pk" PRIMARY KEY("year","region","sex","age")
);
