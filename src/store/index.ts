/**
 * The analysis store (DuckDB over flowsift's Parquet / JSON Lines outputs): openStore, the views it
 * finds, the dashboard's typed queries, and the scored-flow Parquet writer.
 */
export { openStore, duckError, type Store, type StoreOptions, type StoreView, type QueryResult, type ColumnInfo, type Param } from './store.ts';
export { resolveViews, KNOWN_VIEWS, type ViewSource, type SourceFormat } from './views.ts';
export { topAnomalies, countsPerHour, serviceByFlag, flowPage, flowByUid, scoreHistogram, LIST_COLUMNS, type FlowFilter, type FlowRow, type AnomalyRow, type PageCursor } from './dashboard.ts';
export { SCORE_COLUMNS, scoresJsonlToParquet, analysisParquet, renderScoreColumnTable, type ScoreColumn } from './scores.ts';
export { scoresParquetWriter } from './scores-parquet.ts';
