import { copyFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { CONVERTIBLE_TYPES, convertToPdf } from '../pdf-intake/office-conversion.js';
import { UnstampableError } from '../watermark/errors.js';
import { ExtractionBudget } from './extraction-budget.js';
import { extractWithin, makeWorkDir, resolveOptions } from './pdf-text.js';
import { TextExtractionError, type DocumentText, type TextExtractionOptions } from './text-extraction-types.js';

export interface OfficeTextOptions extends TextExtractionOptions {
  /** The LibreOffice command (office-conversion.ts DEFAULT_SOFFICE). */
  soffice?: string;
  /** As the intake's (IntakeOptions.sandbox): 'auto' sandboxes LibreOffice wherever bwrap works. */
  sandbox?: 'auto' | 'off';
}

/**
 * The text of an Office document (Word, Excel, PowerPoint, OpenDocument, RTF…) through its PDF
 * rendition, page by page as the stamped PDF shows it, so a hit's page is the page the viewer opens:
 * LibreOffice converts it in the intake's sandbox, then extractPdfText reads the PDF. Conversion and
 * extraction share the document's time budget; the work folder (the copy of the document, the PDF,
 * LibreOffice's profile) is removed however it ends. Throws TextExtractionError 'not_converted'
 * when LibreOffice is missing or fails on the file.
 */
export async function extractOfficeText(inputPath: string, mimeType: string, options: OfficeTextOptions = {}): Promise<DocumentText> {
  const extension = CONVERTIBLE_TYPES.get(mimeType);
  if (!extension) throw new TextExtractionError('not_converted', `Documents of type ${mimeType} are not converted to PDF, so their text is not read this way.`);
  const opts = resolveOptions(options);
  const budget = new ExtractionBudget(opts.documentTimeoutMs, options.signal);
  const workDir = await makeWorkDir(options.tempDir);
  try {
    // The sandbox shows LibreOffice its work folder and nothing else: the document goes in there.
    const input = path.join(workDir, `document${extension}`);
    await copyFile(inputPath, input);
    budget.assertLeft();
    let pdfPath: string;
    try {
      pdfPath = await convertToPdf(input, workDir, {
        soffice: options.soffice,
        sandbox: options.sandbox,
        limits: { deadline: budget.deadline, memoryBytes: opts.memoryBytes, signal: options.signal },
      });
    } catch (err) {
      if (!(err instanceof UnstampableError)) throw err;
      // Stopped by the document's budget or the caller rather than by the file: say so.
      budget.assertLeft();
      const reason = /not installed/.test(err.message) ? 'LibreOffice is not installed on the server, so the text of Office documents is not read.' : err.message;
      throw new TextExtractionError('not_converted', reason, { cause: err });
    }
    return await extractWithin({ workDir, memoryBytes: opts.memoryBytes, budget }, pdfPath, opts);
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}
