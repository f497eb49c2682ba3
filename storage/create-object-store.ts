import path from 'node:path';

import { LocalDiskStore } from './local-disk-store.js';
import type { ObjectStore } from './object-store.js';
import { S3Store } from './s3-store.js';

export interface ObjectStoreConfig {
  driver: 'local' | 's3';
  /** The local driver keeps its objects and temp files under `<dataDir>/storage`. */
  dataDir: string;
  s3?: {
    endpoint: string;
    accessKey: string;
    secretKey: string;
    bucket: string;
    region: string;
  };
}

export function createObjectStore(cfg: ObjectStoreConfig): ObjectStore {
  switch (cfg.driver) {
    case 'local':
      return new LocalDiskStore(path.join(cfg.dataDir, 'storage'));
    case 's3': {
      if (!cfg.s3) throw new Error("object store driver 's3' needs the s3 settings (endpoint, accessKey, secretKey, bucket, region)");
      const { endpoint, accessKey, secretKey, bucket, region } = cfg.s3;
      return new S3Store({ endPoint: endpoint, accessKey, secretKey, bucket, region });
    }
    default:
      throw new Error(`unknown object store driver ${JSON.stringify((cfg as { driver: unknown }).driver)}`);
  }
}
