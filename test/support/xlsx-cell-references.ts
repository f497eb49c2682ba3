import JSZip from 'jszip';

/** The letters of a column (1 → A, 27 → AA). */
function letters(column: number): string {
  let out = '';
  for (let n = column; n > 0; n = Math.floor((n - 1) / 26)) out = String.fromCharCode(65 + ((n - 1) % 26)) + out;
  return out;
}

/**
 * A workbook with every row and cell reference written out. Deliveries write data rows without them
 * (server/datasets/write-xlsx.ts dataRowXml: ECMA-376 makes them optional, and Excel, LibreOffice,
 * Google Sheets and openpyxl read such rows), but exceljs, which the tests read workbooks with, needs
 * them: this adds each as the reader infers it (a row is the one after the row before, a cell the one
 * after the cell before), and leaves references already there as they are.
 */
export async function withCellReferences(xlsx: Buffer): Promise<Buffer> {
  const zip = await JSZip.loadAsync(xlsx);
  for (const name of Object.keys(zip.files).filter((n) => /^xl\/worksheets\/[^/]+\.xml$/.test(n))) {
    let row = 0;
    let column = 0;
    const xml = (await zip.file(name)!.async('string')).replace(/<row\b[^>]*>|<c(?=[\s/>])[^>]*>/g, (tag) => {
      const r = /\sr="([^"]*)"/.exec(tag)?.[1];
      if (tag.startsWith('<row')) {
        row = r ? Number(r) : row + 1;
        column = 0;
        return r ? tag : tag.replace('<row', `<row r="${row}"`);
      }
      column = r ? r.replace(/\d+$/, '').split('').reduce((n, ch) => n * 26 + ch.charCodeAt(0) - 64, 0) : column + 1;
      return r ? tag : tag.replace('<c', `<c r="${letters(column)}${row}"`);
    });
    zip.file(name, xml);
  }
  return zip.generateAsync({ type: 'nodebuffer' });
}
