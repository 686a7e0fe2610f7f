// Interface text of the maps (the map library, tile layer, labels, pinning, reassignment search), in Chinese and English.
// i18n.js merges it into the console's dictionaries; a key here must not repeat one elsewhere.

export const zh = {};

export const en = {};
