/** Benchmark figures (SPEC §7): each measured beside its baseline in the same run. */
import { readFile, writeFile } from 'node:fs/promises';

export interface BenchFigure {
  name: string;
  value: number;
  unit: string;
  baseline: string | null;
  baseline_value: number | null;
  ratio: number | null;
  /** Where the time went: per-stage ms, CPU ms and peak RSS of each process involved. */
  detail?: Record<string, unknown>;
}

export const RESULTS_FILE = new URL('./results.json', import.meta.url);

/** A figure measured beside its baseline; ratio = value / baseline_value. */
export function figure(
  name: string,
  value: number,
  unit: string,
  baseline?: { name: string; value: number } | null,
  detail?: Record<string, unknown>,
): BenchFigure {
  const ratio = baseline && baseline.value ? Number((value / baseline.value).toFixed(3)) : null;
  const f: BenchFigure = {
    name,
    value: Number(value.toFixed(3)),
    unit,
    baseline: baseline?.name ?? null,
    baseline_value: baseline ? Number(baseline.value.toFixed(3)) : null,
    ratio,
  };
  return detail ? { ...f, detail } : f;
}

/** The middle value (the lower of the two middle ones for an even count): a round's outlier does not move it. */
export function median(values: number[]): number {
  const v = [...values].sort((a, b) => a - b);
  return v[(v.length - 1) >> 1]!;
}

/** Merges figures into bench/results.json, replacing earlier figures of the same name. */
export async function saveFigures(figures: BenchFigure[]): Promise<void> {
  let existing: BenchFigure[] = [];
  try {
    existing = JSON.parse(await readFile(RESULTS_FILE, 'utf8')) as BenchFigure[];
  } catch {
    existing = [];
  }
  const names = new Set(figures.map((f) => f.name));
  const merged = [...existing.filter((f) => !names.has(f.name)), ...figures];
  await writeFile(RESULTS_FILE, JSON.stringify(merged, null, 2) + '\n');
}
