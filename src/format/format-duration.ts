/**
 * A span of time in words, the one scale every surface uses (the terminal's plan, status, gc
 * and progress, and the HTML report): `95 s`, `12 min`, `3 h`, `2 days`. Seconds up to 90,
 * minutes up to 90, hours up to 48, then days: a value never reads as `1 min` or `1 h` where the
 * smaller unit says more. Negative spans read as `0 s`. Outside `cli/` so the report can use it.
 */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 90) return `${s} s`;
  if (s < 5400) return `${Math.round(s / 60)} min`;
  if (s < 172_800) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86_400)} days`;
}
