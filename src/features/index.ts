/** Feature stage public API. */
export { FLOW_COLUMNS, FLOW_COLUMN_NAMES, KDD_COLUMNS, CONTENT_COLUMN_NAMES, renderColumnTable } from './schema.ts';
export { KDD_SERVICES, SERVICE_INDEX, flowService, tcpService, udpService, icmpService, renderServiceRules, type KddService } from './services.ts';
export { contentFeatures, errorClass, flowDuration, SYN_ERROR_FLAGS, REJ_ERROR_FLAGS, ZERO_CONTENT } from './basic.ts';
export { TrafficWindows, StartOrderBuffer, emptyWindowFeatures, type WindowConn, type WindowFeatures, type WindowOptions } from './windows.ts';
export { extractFlows, FeatureStage, flowRow, type ExtractOptions, type ExtractProgress, type ExtractSummary } from './extract.ts';
