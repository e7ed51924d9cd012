import stringWidth from 'string-width';

/** A cell of a text table: its text, and how it is coloured once padded. */
export interface Cell {
  readonly text: string;
  readonly align?: 'left' | 'right';
  readonly colour?: (text: string) => string;
}

/**
 * Rows of cells as lines of aligned columns, two spaces apart. Widths are measured as a terminal
 * shows text (a CJK character or an emoji takes two columns), so a wide character does not push
 * the columns after it out of line. The last column is not padded, so free text (a reason)
 * belongs there; a column empty in every row takes no room.
 */
export function formatTable(rows: readonly (readonly Cell[])[], indent = '  '): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, stringWidth(cell.text))));
  const last = widths.length - 1;
  return rows.map((row) => {
    const cells: string[] = [];
    row.forEach((cell, i) => {
      const width = widths[i]!;
      if (width === 0) return;
      const room = i === last ? '' : ' '.repeat(width - stringWidth(cell.text));
      const text = cell.colour ? cell.colour(cell.text) : cell.text;
      cells.push(cell.align === 'right' ? `${room}${text}` : `${text}${room}`);
    });
    return `${indent}${cells.join('  ')}`.trimEnd();
  });
}
