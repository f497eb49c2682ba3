import { sniffType } from '../../server/uploads/sniff-type.js';

describe('the type of an upload is read from its first bytes', () => {
  it('takes a PDF whose header follows printer data (allowed in the first 1024 bytes) for a PDF, not text', async () => {
    const prefixed = Buffer.from(`${'# print job control data\n'.repeat(20)}%PDF-2.0\n1 0 obj\n<< >>\nendobj\n`);
    expect(await sniffType(prefixed, 'offset.pdf')).toBe('application/pdf');
  });

  it('keeps text that mentions a PDF header only after the first 1024 bytes as text', async () => {
    const text = Buffer.from(`${'a line of minutes\n'.repeat(60)}%PDF-1.7 was quoted here\n`);
    expect(await sniffType(text, 'minutes.txt')).toBe('text/plain');
  });

  it('keeps text that mentions "%PDF-" without a version as text', async () => {
    expect(await sniffType(Buffer.from('The string %PDF- starts every PDF file.\n'), 'notes.txt')).toBe('text/plain');
  });
});
