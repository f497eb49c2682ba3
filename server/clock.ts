/** Times are ISO 8601 UTC with milliseconds: fixed width, so they compare correctly as text in SQL. */
export const isoNow = () => new Date().toISOString();
