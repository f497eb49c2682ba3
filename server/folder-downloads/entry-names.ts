/** The longest folder or file name written into a ZIP, in characters (most file systems take 255 bytes). */
const MAX_SEGMENT = 120;

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
  const cut = Array.from(cleaned).slice(0, MAX_SEGMENT).join('').trim();
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
