import type { ServiceContext } from '../service-context.js';
import { findRendition } from '../pdf-intake/rendition-repository.js';
import { loadStampIndex } from '../downloads/stamp-index-cache.js';

/**
 * How many pages the copy a view delivered has: a PDF's from the stamp index of the version's
 * rendition (what the viewer was sent, conversions included); anything else (an image) is one page.
 */
export async function pageCountOfVersion(ctx: Pick<ServiceContext, 'db' | 'store'>, versionId: string): Promise<number> {
  const rendition = await findRendition(ctx.db, versionId);
  if (rendition?.status !== 'ready' || !rendition.indexKey) return 1;
  return (await loadStampIndex(ctx.store, rendition.indexKey)).pages;
}
