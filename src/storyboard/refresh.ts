/** When a shot's take is due to be rendered again (scheduled regeneration). */
export interface Refresh {
  /** As written: `daily`, `weekly`, `12h`, `3d`, `always`. */
  readonly label: string;
  /** Age in seconds at which a take is due; 0 for `always`. */
  readonly everySeconds: number;
}

const UNIT_SECONDS = { h: 3600, d: 86_400 } as const;

/** Parses a `refresh:` value the schema already checked. */
export function parseRefresh(text: string): Refresh {
  if (text === 'always') return { label: text, everySeconds: 0 };
  if (text === 'daily') return { label: text, everySeconds: UNIT_SECONDS.d };
  if (text === 'weekly') return { label: text, everySeconds: 7 * UNIT_SECONDS.d };
  const unit = text.at(-1) as keyof typeof UNIT_SECONDS;
  return { label: text, everySeconds: Number(text.slice(0, -1)) * UNIT_SECONDS[unit] };
}
