/**
 * Incidents: the anomalous flows a model flags, grouped into what an analyst triages (scans,
 * floods, password guessing, large uploads, odd connections), each with a kind, a MITRE ATT&CK
 * technique where one fits, its extent, a Wireshark filter and a severity to rank by.
 */
export { IncidentBuilder, INCIDENT_DEFAULTS, splitComponent, type IncidentOptions } from './builder.ts';
export { INCIDENT_KINDS, KIND_RULES, classify, renderIncidentKinds, type IncidentKind, type KindInfo } from './kinds.ts';
export { INCIDENT_SCHEMA, rankIncidents, severityScore, summarize, type Incident, type Counted } from './incident.ts';
export { buildIncidents, streamIncidents, IncidentTagger, incidentWriter } from './stream.ts';
export { formatIncident, formatIncidents, writeIncidentsJsonl } from './format.ts';
export { toFlowLite, type FlowLite } from './flow.ts';
