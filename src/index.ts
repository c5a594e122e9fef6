/**
 * flowsift library API: the stages the CLI is built from, usable on their own.
 *
 * @example Captures → flow rows with the 41 KDD features
 * ```ts
 * import { extractFlows } from 'flowsift';
 * const summary = await extractFlows(['trace.pcapng'], {}, (row) => console.log(row.service, row.flag, row.count));
 * ```
 * @example Packets, decoded in place (the record and the decoded packet are reused objects)
 * ```ts
 * import { readCaptures, decodePacket, DecodedPacket } from 'flowsift';
 * const pkt = new DecodedPacket();
 * await readCaptures(['trace.pcap'], (rec) => { decodePacket(rec, pkt); if (pkt.proto === 6) … });
 * ```
 */

// errors and exit codes
export { EXIT, FlowsiftError, UsageError, InputError } from './errors.ts';

// capture: pcap / pcapng readers
export { readCaptures, readOne, newRecord, recordTime } from './capture/index.ts';
export type { CaptureRecord, RecordSink, FileReport, InterfaceInfo, ReadOptions, ReadReport } from './capture/index.ts';

// decode: link layers to TCP/UDP/ICMP, in place
export { decodePacket, linktypeName, isSupportedLinktype, LINKTYPE } from './decode/decoder.ts';
export { DecodedPacket, Layer, IPPROTO, TCP } from './decode/packet.ts';

// flow: bidirectional flows, Zeek conn_state, fragments, Community ID
export { FlowMeter } from './flow/meter.ts';
export type { FlowOptions, FlowStats } from './flow/meter.ts';
export type { FlowRecord, ConnFlag, EndReason, ProtocolType, ContentFeatures } from './flow/record.ts';
export type { FlowPlugin, FlowContext } from './flow/plugin.ts';

// features: the 41 KDD features, services, windows, the column schema, the payload stage
export { extractFlows, flowRow } from './features/extract.ts';
export type { ExtractOptions, ExtractSummary } from './features/extract.ts';
export { FLOW_COLUMNS, KDD_COLUMNS, FLOW_COLUMN_NAMES, renderColumnTable } from './features/schema.ts';
export { KDD_SERVICES, flowService } from './features/services.ts';
export { TrafficWindows, StartOrderBuffer } from './features/windows.ts';
export { createContentPlugin } from './features/content/index.ts';
export type { ContentOptions } from './features/content/index.ts';

// dataset: writers, readers, labels, Parquet, per-source aggregates
export type { ColumnDef, ColumnType, Row, DatasetWriter } from './dataset/types.ts';
export { openDatasetWriter, formatFromPath } from './dataset/output.ts';
export { CsvWriter } from './dataset/csv.ts';
export { FlowCsvWriter, type FlowLineWriter } from './dataset/flow-csv.ts';
export { JsonlWriter } from './dataset/jsonl.ts';
export { KddWriter } from './dataset/kdd-format.ts';
export { createParquetWriter } from './dataset/parquet.ts';
export { readDataset, detectDatasetFormat } from './dataset/read.ts';
export { attackCategory, KDD_FEATURE_NAMES } from './dataset/kdd.ts';
export { loadLabels } from './dataset/labels.ts';
export type { LabelOptions, LabelReport } from './dataset/labels.ts';
export { HostAggregator } from './dataset/hosts.ts';

// model: preprocessing, k-means, k selection, thresholds, model file, scoring, evaluation
export { trainModel, TRAIN_DEFAULTS } from './model/train.ts';
export type { TrainOptions } from './model/train.ts';
export { loadModel, saveModel, validateModel } from './model/model-file.ts';
export type { ModelFile } from './model/model-file.ts';
export { Scorer } from './model/score.ts';
export type { FlowScore, Reason } from './model/score.ts';
export { computeMetrics, rocAuc, averagePrecision } from './model/metrics.ts';
export type { Metrics } from './model/metrics.ts';

// report: per-flow anomaly records
export { buildRecord, ANOMALY_SCHEMA } from './report/record.ts';
export type { AnomalyRecord } from './report/record.ts';
export { scoreInputs } from './report/score-run.ts';

// report: incidents (anomalous flows grouped into scans, floods, password guessing, …) and Wireshark filters
export { IncidentBuilder, IncidentTagger, buildIncidents, streamIncidents, incidentWriter, rankIncidents, INCIDENT_KINDS, INCIDENT_SCHEMA, INCIDENT_DEFAULTS } from './report/incidents/index.ts';
export type { Incident, IncidentKind, IncidentOptions, Counted } from './report/incidents/index.ts';
export { flowFilter } from './report/wireshark.ts';
