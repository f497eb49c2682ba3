import { presentFolder } from '../folders/presenter.js';
import type { ImportResult } from './service.js';

/** The answer to an import: what it created, where, and what it left out on purpose. */
export const presentImport = (r: ImportResult) => ({
  folders: r.folders.map(presentFolder),
  documents: r.documents.map((d) => ({
    id: d.row.id,
    versionId: d.row.currentVersionId,
    title: d.row.title,
    folderId: d.row.folderId,
    index: d.index,
    kind: d.row.kind,
    status: d.row.status,
    mimeType: d.file.mimeType,
    size: Number(d.file.size),
    sha256: d.file.sha256,
    /** The ZIP entry it came from. */
    entry: d.entry,
  })),
  skipped: r.skipped,
});
