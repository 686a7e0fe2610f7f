// How a case number (案号) is written for people: courts print the year in full-width brackets,
// （2026）苏1283执1号, while cases are often typed (and stored) with ASCII ones. Shared by the
// console and the applicants' progress page (both in the console's bundle).

/** The case number as courts print it. */
export function caseNo(number) {
  return String(number || '').replace(/^\((\d{4})\)/, '（$1）');
}
