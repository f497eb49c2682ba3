/**
 * The longest folder or file name stem written into a ZIP, in UTF-8 bytes: file systems take 255
 * bytes a name (ext4, APFS, NTFS in UTF-16 units, which this bounds too), and " (12)" and an
 * extension still fit after it. Counted in bytes, not characters: 120 characters of Chinese or emoji
 * are 360 to 480 bytes, a name no one can unpack.
 */
const MAX_SEGMENT_BYTES = 200;
const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });

/** The longest prefix of `text` within `maxBytes` of UTF-8 that ends between two graphemes (an emoji or an accented letter is never cut in two). */
function cutToBytes(text: string, maxBytes: number): string {
  let bytes = 0;
  let cut = '';
  for (const { segment } of graphemes.segment(text)) {
    bytes += Buffer.byteLength(segment);
    if (bytes > maxBytes) break;
    cut += segment;
  }
  return cut;
}

/**
 * One path segment of a ZIP entry from a title or folder name the deal team typed: names are
 * metadata, so nothing in them may become a path when the ZIP is unpacked — no separators, no `..`,
 * no drive letter, no control characters or bidirectional overrides (which disguise "gpj.exe" as
 * "exe.jpg"), none of the characters Windows refuses in a name, and no leading or trailing dots or
 * spaces (Windows drops those, which could make two names one).
 */
function segment(name: string): string {
  const cleaned = name
    .normalize('NFC')
    .replace(/[\u0000-\u001f\u007f-\u009f]/g, '')
    .replace(/[\u202a-\u202e\u2066-\u2069\u200e\u200f]/g, '')
    .replace(/[\\/:*?"<>|]/g, '_')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^[.\s]+/, '')
    .replace(/[.\s]+$/, '');
  const cut = cutToBytes(cleaned, MAX_SEGMENT_BYTES).trim();
  return cut || 'Untitled';
}

/**
 * Entry names of one ZIP, each unique: unpacking never overwrites one file with another, on file
 * systems that ignore case either. A second "Report.pdf" in a folder becomes "Report (2).pdf".
 */
function unique() {
  const taken = new Set<string>();
  return {
    take(folders: string[], stem: string, extension: string): string {
      const dir = folders.length ? `${folders.join('/')}/` : '';
      let base = segment(stem);
      // A title that already ends in the extension ("minutes.pdf") is not given it twice.
      if (extension && base.toLowerCase().endsWith(extension.toLowerCase())) base = segment(base.slice(0, -extension.length));
      for (let n = 1; ; n++) {
        const name = `${dir}${n === 1 ? base : `${base} (${n})`}${extension}`;
        if (!taken.has(name.toLowerCase())) {
          taken.add(name.toLowerCase());
          return name;
        }
      }
    },
  };
}

export const zipEntryName = { segment, unique };
