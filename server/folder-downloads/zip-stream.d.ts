// zip-stream ships no types; this is the part of its API the folder download (and the tests' ZIPs) use.
declare module 'zip-stream' {
  import { Transform, type Readable } from 'node:stream';

  interface EntryData {
    name: string;
    date?: Date;
    store?: boolean;
    mode?: number;
    type?: 'file' | 'directory' | 'symlink';
    linkname?: string;
  }

  class ZipStream extends Transform {
    constructor(options?: { store?: boolean; forceZip64?: boolean; comment?: string });
    entry(source: Readable | Buffer | string, data: EntryData, callback: (err: Error | null) => void): this;
    finalize(): void;
    getBytesWritten(): number;
  }

  export default ZipStream;
}
