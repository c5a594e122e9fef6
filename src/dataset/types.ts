/**
 * Dataset contracts shared by the feature stage (producer), the writers (CSV, KDD, JSON Lines,
 * Parquet), the readers and the model. The column list itself is declared ONCE in
 * src/features/schema.ts and drives every writer, `--help` and the README's column table.
 */
export type ColumnType = 'string' | 'category' | 'int' | 'float' | 'timestamp' | 'bool';

export type ColumnGroup = 'identity' | 'basic' | 'content' | 'time' | 'host' | 'extra' | 'label';

export interface ColumnDef {
  /** snake_case, no dots; KDD features keep their exact canonical names. */
  name: string;
  type: ColumnType;
  group: ColumnGroup;
  /** 1..41 for the KDD features, in KDD order. */
  kddIndex?: number;
  /** Unit, e.g. 's', 'bytes', 'packets', 'fraction'. */
  unit?: string;
  description: string;
}

/** One dataset row: column name → value. `timestamp` columns hold float epoch seconds. */
export type Row = Record<string, string | number | boolean | null>;

/**
 * A streaming dataset sink. Output files are written atomically: rows go to a temp file beside the
 * target, `close()` renames it into place, `abort()` removes it (a failed or interrupted run never
 * leaves a half file). Writing to '-' streams to stdout.
 */
export interface DatasetWriter {
  write(row: Row): void | Promise<void>;
  /** Flush and commit (rename temp → target). Returns the number of rows written. */
  close(): Promise<number>;
  /** Remove the temp file; nothing is left behind. Safe to call after close (no-op). */
  abort(): Promise<void>;
}
