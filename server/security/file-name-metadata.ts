/**
 * An uploaded file's name as it is kept: metadata only — the object is stored under a generated key,
 * so `../`, slashes or a right-to-left override in the name can reach no path. The name is kept as
 * given (it is evidence of what was uploaded) except for NUL, which no database text column takes
 * (PostgreSQL refuses it outright), and a cap of 1,000 characters. Everything that renders it —
 * Content-Disposition (server/http/content-disposition.ts), JSON — escapes or strips the rest.
 */
export const fileNameMetadata = (name: string): string => name.replace(/\u0000/g, '').slice(0, 1000);
