import { useState } from 'react';
import { api, messageOf, type DocumentItem, type Folder } from '../../api.js';
import type { UploadItem } from './upload-queue.js';
import type { PendingFile, UploadTarget } from './pending-files.js';

const UPLOAD_CONCURRENCY = 3;

/**
 * The uploads of a room's documents tab: files (with the folders of a dropped directory) and new
 * versions, a few at a time, each with its own progress entry in the queue.
 */
export function useUploadQueue(roomId: string, reload: { folders: () => void; docs: () => void }) {
  const [queue, setQueue] = useState<UploadItem[]>([]);

  async function uploadFiles(items: PendingFile[], target: UploadTarget, folderList: Folder[]) {
    // Folders of a dropped directory are created first, once each, under the destination.
    // Promises, not folders: parallel uploads of one dropped directory must create it only once.
    const known = new Map<string, Promise<Folder>>(folderList.map((f) => [`${f.parentId ?? ''}/${f.name}`, Promise.resolve(f)]));
    const byIndex = new Map(folderList.map((f) => [f.id, f]));
    const start = queue.length;
    const entries: UploadItem[] = items.map((p, i) => ({
      key: `${Date.now()}-${start + i}`,
      name: p.file.name,
      destination: [byIndex.get(target.folderId ?? '')?.index ?? '', ...p.dirs].filter(Boolean).join(' / ') || 'Top level',
      size: p.file.size,
      progress: 0,
      status: 'queued',
    }));
    setQueue((q) => [...q, ...entries]);
    const update = (key: string, patch: Partial<UploadItem>) => setQueue((q) => q.map((it) => (it.key === key ? { ...it, ...patch } : it)));

    const folderFor = async (dirs: string[]): Promise<string | null> => {
      let parent = target.folderId;
      for (const name of dirs) {
        const k = `${parent ?? ''}/${name}`;
        let f = known.get(k);
        if (!f) {
          f = api.createFolder(roomId, { name, parentId: parent });
          known.set(k, f);
        }
        parent = (await f).id;
      }
      return parent;
    };

    let next = 0;
    const worker = async () => {
      while (next < items.length) {
        const i = next++;
        const item = items[i];
        const entry = entries[i];
        try {
          const destination = await folderFor(item.dirs);
          if (!destination) throw new Error('Choose a folder for files that are not inside a dropped folder.');
          update(entry.key, { status: 'uploading' });
          await api.uploadDocument(
            roomId,
            item.file,
            { folderId: destination, entityId: target.entityId, classification: target.classification, personalData: target.personalData, title: item.file.name.replace(/\.[^.]+$/, '') || item.file.name },
            (progress) => update(entry.key, { progress }),
          ).promise;
          update(entry.key, { status: 'done', progress: 1 });
        } catch (err) {
          update(entry.key, { status: 'failed', error: messageOf(err, (err as Error).message) });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(UPLOAD_CONCURRENCY, items.length) }, worker));
    reload.folders();
    reload.docs();
  }

  async function uploadVersion(doc: DocumentItem, file: File) {
    const key = `v-${Date.now()}`;
    setQueue((q) => [...q, { key, name: file.name, destination: `New version of ${doc.index} ${doc.title}`, size: file.size, progress: 0, status: 'uploading' }]);
    const update = (patch: Partial<UploadItem>) => setQueue((q) => q.map((it) => (it.key === key ? { ...it, ...patch } : it)));
    try {
      await api.uploadVersion(doc.id, file, (progress) => update({ progress })).promise;
      update({ status: 'done', progress: 1 });
      reload.docs();
    } catch (err) {
      update({ status: 'failed', error: messageOf(err) });
    }
  }

  return { queue, clear: () => setQueue([]), uploadFiles, uploadVersion };
}
