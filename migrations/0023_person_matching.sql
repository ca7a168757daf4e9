-- REVIEW FLAG: backfills the matching keys of every child (one UPDATE of the whole persons table,
-- about 6 s per 100,000 children on 2 cores) and builds two indexes on persons without
-- CONCURRENTLY: writes to persons wait for it. On a large register, plan a window, or add the
-- columns first and backfill in batches, then build the indexes concurrently.
DROP INDEX "persons_name_trgm_idx";--> statement-breakpoint
ALTER TABLE "persons" ADD COLUMN "given_key" text;--> statement-breakpoint
ALTER TABLE "persons" ADD COLUMN "family_key" text;--> statement-breakpoint
ALTER TABLE "persons" ADD COLUMN "national_id" text;--> statement-breakpoint
ALTER TABLE "persons" ADD COLUMN "merged_into" uuid;--> statement-breakpoint
ALTER TABLE "persons" ADD COLUMN "merged_at" timestamp (3) with time zone;--> statement-breakpoint
-- The matching key of a name: the same chain of replacements as nameKey() in src/lib/name-key.ts
-- (tests/name-key.test.ts holds the two to the same answers). Used to backfill the keys below and
-- by the benchmark's data set; the service computes keys in TypeScript.
CREATE OR REPLACE FUNCTION person_name_key(name text) RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $fn$
DECLARE
  s text := name;
BEGIN
  IF s IS NULL THEN RETURN NULL; END IF;
  s := lower(translate(s, 'АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯӘҒҜҺӨҮҸЈІЇЄҐЎƏÖÜŞÇĞİ',
                          'абвгдеёжзийклмнопрстуфхцчшщъыьэюяәғҝһөүҹјіїєґўəöüşçği'));
  s := normalize(s, NFC);
  -- 1. Cyrillic to Latin.
  s := replace(s, 'ё', 'yo');
  s := replace(s, 'ж', 'zh');
  s := replace(s, 'х', 'kh');
  s := replace(s, 'ц', 'ts');
  s := replace(s, 'ч', 'ch');
  s := replace(s, 'ш', 'sh');
  s := replace(s, 'щ', 'shch');
  s := replace(s, 'ъ', '');
  s := replace(s, 'ь', '');
  s := replace(s, 'ю', 'yu');
  s := replace(s, 'я', 'ya');
  s := replace(s, 'ї', 'yi');
  s := replace(s, 'є', 'ye');
  s := translate(s, 'абвгдезийклмнопрстуфыэәғҝһөүҹјіґў', 'abvgdeziyklmnoprstufieəgghöücyigu');
  -- 2. Azerbaijani Latin letters.
  s := replace(replace(replace(s, 'dzh', 'c'), 'ch', 'ç'), 'c', 'j');
  s := replace(replace(s, 'ç', 'ch'), 'ş', 'sh');
  s := translate(s, 'xqğwəıöü', 'gggvaiou');
  s := lower(regexp_replace(normalize(s, NFD), '[\u0300-\u036f]', '', 'g'));
  s := replace(regexp_replace(replace(s, 'kh', 'g'), '(?<![scz])h', 'g', 'g'), 'e', 'a');
  -- 6. Words of letters and digits.
  s := btrim(regexp_replace(s, '[^a-z0-9]+', ' ', 'g'));
  -- 3. y between vowels; 4. letters written twice; 5. the feminine ending.
  s := replace(regexp_replace(s, '(?<=[aiou])y(?=[aiou])', '', 'g'), 'y', 'i');
  s := regexp_replace(s, '([a-z])\1+', '\1', 'g');
  s := regexp_replace(s, '(?<=[a-z0-9])([aiou]v)a(?![a-z0-9])', '\1', 'g');
  RETURN s;
END
$fn$;--> statement-breakpoint
UPDATE "persons" SET "given_key" = nullif(person_name_key("given_name"), ''), "family_key" = nullif(person_name_key("family_name"), '') WHERE "given_name" IS NOT NULL OR "family_name" IS NOT NULL;--> statement-breakpoint
ALTER TABLE "persons" ADD CONSTRAINT "persons_merged_into_persons_id_fk" FOREIGN KEY ("merged_into") REFERENCES "public"."persons"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "persons_family_key_idx" ON "persons" USING btree ("family_key","date_of_birth") WHERE "persons"."expunged_at" IS NULL AND "persons"."merged_into" IS NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "persons_national_id_live_idx" ON "persons" USING btree ("national_id") WHERE "persons"."expunged_at" IS NULL AND "persons"."merged_into" IS NULL;