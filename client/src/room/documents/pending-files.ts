import type { Classification, PersonalData } from '../../api.js';

/** Files waiting for the manager to say where they go and how they are classified. */
export interface PendingFile {
  file: File;
  /** Folder names from a dropped or chosen directory, outermost first. */
  dirs: string[];
}

/** Where a batch of files goes and how it is classified, as chosen in the upload dialog. */
export interface UploadTarget {
  folderId: string | null;
  entityId: string;
  classification: Classification;
  personalData: PersonalData;
}

export function pendingOf(files: File[]): PendingFile[] {
  return files.map((file) => {
    const withPath = file as File & { path?: string; relativePath?: string };
    const raw = withPath.webkitRelativePath || withPath.relativePath || withPath.path || file.name;
    const parts = raw.replace(/^\.?\/+/, '').split('/').filter(Boolean);
    return { file, dirs: parts.slice(0, -1) };
  });
}
