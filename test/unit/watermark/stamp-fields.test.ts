import { isDownloadId, normalizeDownloadId, stampLines } from '../../../server/watermark/stamp-fields.js';
import { fields } from './helpers.js';

describe('stamp text', () => {
  it('puts the code name, the user, the organisation, the UTC time to the second and the download id on the diagonal', () => {
    const { diagonal } = stampLines(fields());
    expect(diagonal).toEqual([
      'Project Falcon',
      'Jane Doe <jane.doe@alpha-capital.example>',
      'Alpha Capital LLP',
      '2024-05-01T10:11:12Z · Download 7K3M9QX2ZR4D',
    ]);
  });

  it('writes a footer with the code name, the download id, the email and the time', () => {
    expect(stampLines(fields()).footer).toBe(
      'Project Falcon · Download 7K3M9QX2ZR4D · jane.doe@alpha-capital.example · 2024-05-01T10:11:12Z',
    );
  });

  it('refuses to stamp a malformed download id, which could never be traced', () => {
    for (const downloadId of ['', '7K3M9QX2ZR4', '7K3M9QX2ZR4DD', '7K3M9QX2ZR4U', '7k3m9qx2zr4d']) {
      expect(() => stampLines(fields({ downloadId }))).toThrow(TypeError);
    }
  });

  it('keeps user-supplied text on one line of bounded length', () => {
    const { diagonal } = stampLines(fields({ userName: 'Jane\nDoe\u202e', orgName: 'x'.repeat(500) }));
    expect(diagonal[1]).toBe('Jane Doe <jane.doe@alpha-capital.example>');
    expect(Array.from(diagonal[2]).length).toBeLessThanOrEqual(96);
  });

  it('leaves out empty fields but never the id line', () => {
    const { diagonal } = stampLines(fields({ codeName: ' ', orgName: '' }));
    expect(diagonal).toEqual(['Jane Doe <jane.doe@alpha-capital.example>', '2024-05-01T10:11:12Z · Download 7K3M9QX2ZR4D']);
  });
});

describe('download ids', () => {
  it('are 12 characters of Crockford base32', () => {
    expect(isDownloadId('7K3M9QX2ZR4D')).toBe(true);
    expect(isDownloadId('7K3M9QX2ZR4I')).toBe(false);
    expect(isDownloadId('7K3M9QX2ZR4')).toBe(false);
  });

  it('read back case-insensitively, with O as 0 and I or L as 1', () => {
    expect(normalizeDownloadId('7k3m9qx2zr4d')).toBe('7K3M9QX2ZR4D');
    expect(normalizeDownloadId('O1IL9QX2ZR4D')).toBe('01119QX2ZR4D');
    expect(normalizeDownloadId('7K3M9QX2ZR4U')).toBeUndefined();
  });
});
