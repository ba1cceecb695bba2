/** The id given to a disk enrolled without --id: the first free letter A..Z, then D27, D28... */
export function nextDiskId(taken: readonly string[]): string {
  const used = new Set(taken);
  for (let c = 65; c <= 90; c++) {
    const id = String.fromCharCode(c);
    if (!used.has(id)) return id;
  }
  for (let n = 27; ; n++) if (!used.has(`D${n}`)) return `D${n}`;
}
