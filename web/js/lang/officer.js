// Interface text of the officer's screens (cases, tasks on a case, outcomes, access codes, disputes, clawbacks, batch assignment, statistics, the dishonest-debtor list), in Chinese and English.
// i18n.js merges it into the console's dictionaries; a key here must not repeat one elsewhere.

export const zh = {};

export const en = {};
