import type { Knex } from 'knex';
import * as coreModel from './20261124000000-core-model.js';
import * as securityHardening from './20261124100007-security-hardening.js';
import * as appendOnlyLedger from './20261124100004-append-only-ledger.js';
import * as stampedDelivery from './20261124100003-stamped-delivery.js';
import * as policyVersion from './20261124100006-policy-version.js';
import * as documentPageOrder from './20261124100008-document-page-order.js';
import * as tokenSecondFactor from './20261124100009-token-second-factor.js';
import * as pageLessRenditions from './20261204000000-page-less-renditions.js';
import * as auditIpSideTable from './20261204000001-audit-ip-side-table.js';
import * as documentPolicyVersion from './20261205000000-document-policy-version.js';
import * as apiTokenExpiry from './20261206150000-api-token-expiry.js';
import * as sharedSecretFingerprints from './20261207000000-shared-secret-fingerprints.js';
import * as directoryAndMail from './20261208000000-directory-and-mail.js';
import * as datasets from './20261209000000-datasets.js';
import * as stagedDisclosure from './20261210000000-staged-disclosure.js';
import * as questions from './20261211000000-questions.js';
import * as fullTextSearch from './20261212000000-full-text-search.js';
import * as faqWording from './20261212000001-faq-wording.js';
import * as documentSearchCoveringIndex from './20261212000003-document-search-covering-index.js';
import * as searchWordBoundaries from './20261213000000-search-word-boundaries.js';
import * as archives from './20261214000000-archives.js';
import * as certifications from './20261214000001-certifications.js';
import * as roomPurge from './20261214000002-room-purge.js';
import * as engagement from './20261215000000-engagement.js';

interface Migration {
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

/**
 * Migrations are listed here, in order, rather than discovered on disk: the same list works under
 * tsx, jest and a bundled build, with no dynamic import of file paths.
 */
const migrations: Array<[string, Migration]> = [
  ['20261124000000-core-model', coreModel],
  ['20261124100007-security-hardening', securityHardening],
  ['20261124100004-append-only-ledger', appendOnlyLedger],
  ['20261124100003-stamped-delivery', stampedDelivery],
  ['20261124100006-policy-version', policyVersion],
  ['20261124100008-document-page-order', documentPageOrder],
  ['20261124100009-token-second-factor', tokenSecondFactor],
  ['20261204000000-page-less-renditions', pageLessRenditions],
  ['20261204000001-audit-ip-side-table', auditIpSideTable],
  ['20261205000000-document-policy-version', documentPolicyVersion],
  ['20261206150000-api-token-expiry', apiTokenExpiry],
  ['20261207000000-shared-secret-fingerprints', sharedSecretFingerprints],
  ['20261208000000-directory-and-mail', directoryAndMail],
  ['20261209000000-datasets', datasets],
  ['20261210000000-staged-disclosure', stagedDisclosure],
  ['20261211000000-questions', questions],
  ['20261212000000-full-text-search', fullTextSearch],
  ['20261212000001-faq-wording', faqWording],
  ['20261212000003-document-search-covering-index', documentSearchCoveringIndex],
  ['20261213000000-search-word-boundaries', searchWordBoundaries],
  ['20261214000000-archives', archives],
  ['20261214000001-certifications', certifications],
  ['20261214000002-room-purge', roomPurge],
  ['20261215000000-engagement', engagement],
];

export const migrationSource: Knex.MigrationSource<[string, Migration]> = {
  getMigrations: async () => migrations,
  getMigrationName: ([name]) => name,
  getMigration: async ([, migration]) => migration,
};
