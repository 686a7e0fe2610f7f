// Interface text of the township supervisor's screens (queue, overdue, workers' grids and certifications, training, the scoring scheme, appeals, incentives, leaderboard), in Chinese and English.
// i18n.js merges it into the console's dictionaries; a key here must not repeat one elsewhere.

export const zh = {};

export const en = {};
