/**
 * The matching key of a name (capability 12): one spelling for the Azerbaijani (Latin and Cyrillic),
 * Russian and English forms of the same name, so that "Məmmədov", "Mammadov", "Mamedov" and
 * "Мамедов" meet, and so do "Əliyev", "Aliyev", "Алиев" and "Hüseynov", "Huseynov", "Гусейнов".
 *
 * The rule, in order (README, "Matching children across scripts"):
 * 1. Lowercase; Cyrillic letters (Russian and Azerbaijani Cyrillic) transliterated to Latin
 *    (дж→j, ж→zh, х→kh, ц→ts, ч→ch, ш→sh, щ→shch, я→ya, ю→yu, ё→yo, й→y, ы→i, э→e, ә→ə, ғ→g,
 *    ҝ→g, һ→h, ө→ö, ү→ü, ҹ→c, ј→y; ь and ъ dropped).
 * 2. Latin letters as the Azerbaijani alphabet reads them: "ch" is ç, then c→j (Cəfərov, Jafarov,
 *    Джафаров), ç→ch, ş→sh, x and kh→g, q→g, ğ→g, k→g, w→v; then h→g (Russian writes Azerbaijani
 *    h as г or х: Hüseynov, Гусейнов; İlham, Ильхам) except inside the digraphs sh, ch and zh.
 * 3. Vowels in four classes: a (a, ə, e, ä), i (i, ı), o (o, ö), u (u, ü). A y between two vowels
 *    is dropped (Aliyev, Алиев; Babayev, Бабаев); any other y is the vowel i (Aysel, Айсель).
 * 4. A letter written twice in a row is written once (Məmmədov, Мамедов → mamadov).
 * 5. The feminine ending of a family name, -ova/-eva/-yeva, loses its final a (Məmmədova → mamadov);
 *    then a word's final -av (from -ev) is -ov (Оруджев, Orucov; Алиев, Aliyev → aliov).
 * 6. Digits are kept; every other character separates words; words are joined by one space.
 * Accents that are not Azerbaijani letters (é, à...) are stripped before step 2.
 *


 */

const CYRILLIC: Record<string, string> = {
  а: 'a',
  б: 'b',
  в: 'v',
  г: 'g',
  д: 'd',
  е: 'e',
  ё: 'yo',
  ж: 'zh',
  з: 'z',
  и: 'i',
  й: 'y',
  к: 'k',
  л: 'l',
  м: 'm',
  н: 'n',
  о: 'o',
  п: 'p',
  р: 'r',
  с: 's',
  т: 't',
  у: 'u',
  ф: 'f',
  х: 'kh',
  ц: 'ts',
  ч: 'ch',
  ш: 'sh',
  щ: 'shch',
  ъ: '',
  ы: 'i',
  ь: '',
  э: 'e',
  ю: 'yu',
  я: 'ya',
  // Azerbaijani Cyrillic
  ә: 'ə',
  ғ: 'g',
  ҝ: 'g',
  һ: 'h',
  ө: 'ö',
  ү: 'ü',
  ҹ: 'c',
  ј: 'y',
  // Ukrainian/Belarusian letters sometimes met in registers
  і: 'i',
  ї: 'yi',
  є: 'ye',
  ґ: 'g',
  ў: 'u',
};

/** Azerbaijani Latin letters, each to the plain letters of the key (step 2 and the vowel classes). */
const AZ_LATIN: Record<string, string> = {
  ç: 'ch',
  ş: 'sh',
  x: 'g',
  q: 'g',
  ğ: 'g',
  w: 'v',
  ə: 'a',
  ı: 'i',
  ö: 'o',
  ü: 'u',
};

/**
 * The matching key of a name; '' when it has no letter or digit. Written as the same chain of
 * replacements as the SQL function `person_name_key`, step for step, so that the two cannot drift.
 */
export function nameKey(name: string | null | undefined): string {
  if (!name) return '';
  let s = name.replaceAll('İ', 'i').toLowerCase().normalize('NFC');
  // 1. Cyrillic to Latin.
  s = Array.from(s, (ch) => CYRILLIC[ch] ?? ch).join('');
  // 2. "dzh" (дж) is Azerbaijani c; "ch" is ç before the remaining c become j (Cəfərov, Jafarov).
  s = s.replaceAll('dzh', 'c').replaceAll('ch', 'ç').replaceAll('c', 'j');
  s = Array.from(s, (ch) => AZ_LATIN[ch] ?? ch).join('');
  // Foreign accents go (é → e, ä → a).
  s = s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase();
  // kh (x, х) and h outside the digraphs sh, ch, zh are g, and so is k (Russian writes Azerbaijani
  // q as к: Quliyev, Кулиев); e is in the a class.
  s = s
    .replaceAll('kh', 'g')
    .replace(/(?<![scz])h/g, 'g')
    .replaceAll('k', 'g')
    .replaceAll('e', 'a');
  // 6. Words of letters and digits, one space between them.
  s = s
    .replace(/[^a-z0-9]+/g, ' ')
    .trim()
    // 3. A y between two vowels is dropped; any other y is the vowel i.
    .replace(/(?<=[aiou])y(?=[aiou])/g, '')
    .replaceAll('y', 'i')
    // 4. A letter written twice in a row is written once.
    .replace(/([a-z])\1+/g, '$1')
    // 5. -ova, -eva, -yeva: the feminine ending of a family name loses its final a.
    .replace(/(?<=[a-z0-9])([aiou]v)a(?![a-z0-9])/g, '$1')
    // A family name's -ev is -ov (Russian -ев for Azerbaijani -ov after j, ch, sh: Оруджев, Orucov).
    .replace(/(?<=[a-z0-9])av(?![a-z0-9])/g, 'ov');
  return s;
}

/** The keys stored beside a child's name: the given name's, the family name's, and both together. */
export function personNameKeys(p: { givenName: string | null; familyName: string | null }) {
  const givenKey = nameKey(p.givenName);
  const familyKey = nameKey(p.familyName);
  return {
    givenKey: givenKey || null,
    familyKey: familyKey || null,
  };
}
