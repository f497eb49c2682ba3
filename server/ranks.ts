/**
 * The ordered attributes of the access rule, stored as integer ranks so the same policy condition
 * (`classificationRank <= 1`) works in memory (CASL) and in SQL.
 */
export const CLASSIFICATIONS = ['standard', 'confidential', 'highly_confidential', 'clean_team'] as const;
export const PERSONAL_DATA = ['none', 'pseudonymised', 'identified'] as const;
export const LEVELS = ['view', 'download', 'original'] as const;

export type Classification = (typeof CLASSIFICATIONS)[number];
export type PersonalData = (typeof PERSONAL_DATA)[number];
export type Level = (typeof LEVELS)[number];

export const CLEAN_TEAM_RANK = CLASSIFICATIONS.indexOf('clean_team');

export const classificationRank = (c: Classification) => CLASSIFICATIONS.indexOf(c);
export const personalDataRank = (p: PersonalData) => PERSONAL_DATA.indexOf(p);
export const levelRank = (l: Level) => LEVELS.indexOf(l);

export const classificationOf = (rank: number): Classification => CLASSIFICATIONS[rank];
export const personalDataOf = (rank: number): PersonalData => PERSONAL_DATA[rank];
export const levelOf = (rank: number): Level => LEVELS[rank];
