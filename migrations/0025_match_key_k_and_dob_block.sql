-- REVIEW FLAG: recomputes the matching keys of every child (one UPDATE of the whole persons table,
-- about 6 s per 100,000 children on 2 cores) and builds an index on persons without CONCURRENTLY:
-- writes to persons wait for it. The key now merges k with g (Russian к for Azerbaijani q:
-- Quliyev, Кулиев) and reads a final -ev as -ov (Оруджев, Orucov): src/lib/name-key.ts.
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
  s := replace(replace(regexp_replace(replace(s, 'kh', 'g'), '(?<![scz])h', 'g', 'g'), 'k', 'g'), 'e', 'a');
  -- 6. Words of letters and digits.
  s := btrim(regexp_replace(s, '[^a-z0-9]+', ' ', 'g'));
  -- 3. y between vowels; 4. letters written twice; 5. the feminine ending.
  s := replace(regexp_replace(s, '(?<=[aiou])y(?=[aiou])', '', 'g'), 'y', 'i');
  s := regexp_replace(s, '([a-z])\1+', '\1', 'g');
  s := regexp_replace(s, '(?<=[a-z0-9])([aiou]v)a(?![a-z0-9])', '\1', 'g');
  s := regexp_replace(s, '(?<=[a-z0-9])av(?![a-z0-9])', 'ov', 'g');
  RETURN s;
END
$fn$;--> statement-breakpoint
UPDATE "persons" SET "given_key" = nullif(person_name_key("given_name"), ''), "family_key" = nullif(person_name_key("family_name"), '') WHERE "given_name" IS NOT NULL OR "family_name" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "persons_dob_initial_idx" ON "persons" USING btree ("date_of_birth",left("family_key", 1)) WHERE "persons"."expunged_at" IS NULL AND "persons"."merged_into" IS NULL;