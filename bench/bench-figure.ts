/** One measured figure of a benchmark, with the baseline it is judged against. */
export interface BenchFigure {
  id: string;
  what: string;
  /** The measurement, with its unit (e.g. "median 41.2 ms"). */
  figure: string;
  baseline: string;
  ratio: number | null;
  ratioText: string;
  target: string;
  met?: boolean;
  details?: Record<string, unknown>;
}

export interface BenchModule {
  name: string;
  run(): Promise<BenchFigure[]>;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
