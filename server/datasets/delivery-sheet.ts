/**
 * One sheet of a dataset as it is delivered to one recipient: the columns the recipient may have and
 * the rows, already scoped, transformed and put in the order that fingerprints the download. Rows are
 * an async iterable so the writers (write-csv.ts, write-xlsx.ts) pull them one at a time as the
 * download is read: a delivery of a million rows never sits in memory.
 */
export interface DeliverySheet {
  /** The sheet's name as stored (the XLSX writer makes it a valid Excel sheet name). */
  name: string;
  /** The column names, in delivery order. */
  header: string[];
  /** The data rows: cells as text, one per header column. */
  rows: AsyncIterable<string[]>;
}
