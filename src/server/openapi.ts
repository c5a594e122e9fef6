/**
 * The OpenAPI 3.1 document of the API (GET /api/v1/openapi.json). test/server/openapi.test.ts
 * checks that every API route the app serves is described here, and nothing else.
 */
import { FILTER_FIELDS } from './filters.ts';
import { TRIAGE_STATUSES } from './triage.ts';
import { RAW_CAPTURE_TYPES } from './upload.ts';
import { FLOWSIFT_VERSION } from '../model/model-file.ts';

type Obj = Record<string, unknown>;

const ref = (name: string): Obj => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Obj, description: string): Obj => ({ description, content: { 'application/json': { schema } } });
const err = (description: string): Obj => json(ref('Error'), description);
const ERRORS = { 400: err('Bad input: the message names the parameter or field'), 401: err('No or wrong token (only when the server has one)') };
const q = (name: string, description: string, schema: Obj = { type: 'string' }, explode = false): Obj => ({ name, in: 'query', description, schema: explode ? { type: 'array', items: schema } : schema, ...(explode ? { style: 'form', explode: true } : {}) });
const path = (name: string, description: string): Obj => ({ name, in: 'path', required: true, description, schema: { type: 'string' } });
const analysis = q('analysis', 'Analysis name (GET /api/v1/analyses); default: the most recently added');

const FILTER_HELP: Record<string, string> = {
  addr: 'IP or CIDR, either end', src: 'originator IP or CIDR', dst: 'responder IP or CIDR', port: 'either port', src_port: 'originator port',
  dst_port: 'responder port', service: 'KDD service', flag: 'KDD flag / Zeek conn_state', proto: 'tcp, udp, icmp, icmpv6 or a number',
  conn_state: 'Zeek conn_state', label: 'ground-truth label', category: 'attack category', cluster: 'nearest centroid', severity: '1 high, 2 medium, 3 low',
  incident: 'incident_id', uid: 'flow uid', community_id: 'Community ID v1',
};

const filterParams = (): Obj[] => [
  analysis,
  ...FILTER_FIELDS.map((f) => q(f.param, `${FILTER_HELP[f.param] ?? f.param}. Repeat for OR; a leading ! excludes`, { type: 'string' }, true)),
  q('from', 'Start of the time range (inclusive): ISO-8601 or epoch seconds'),
  q('to', 'End of the time range (exclusive): ISO-8601 or epoch seconds'),
  q('min_score', 'anomaly_score ≥', { type: 'number' }),
  q('max_score', 'anomaly_score ≤', { type: 'number' }),
  q('anomaly', '1: anomalous flows only; 0: normal only', { type: 'string', enum: ['1', '0'] }),
  q('columns', 'Comma-separated columns to return'),
];
const pageParams = (defaultSort: string): Obj[] => [
  q('sort', `ts (time order) or score (most anomalous first); default ${defaultSort}`, { type: 'string', enum: ['ts', 'score'] }),
  q('after', 'Keyset cursor: the `next` of the previous page'),
  q('limit', 'Rows per page (1–1000, default 100)', { type: 'integer' }),
  q('total', '1: also count every matching row', { type: 'string', enum: ['1'] }),
];

export function openApiDocument(): Obj {
  return {
    openapi: '3.1.0',
    info: {
      title: 'flowsift serve',
      version: FLOWSIFT_VERSION,
      description: 'REST API over flowsift analyses: flows, anomalies with reasons, incidents and their triage, scoring, capture uploads, per-flow pcap, and the Open Inference Protocol v2. Errors: {"error": {"code", "message"}} (OIP v2 routes: {"error": "<message>"}).',
    },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'Only when the server was started with a token; the /login cookie works too' } },
      schemas: {
        Error: { type: 'object', required: ['error'], properties: { error: { type: 'object', required: ['code', 'message'], properties: { code: { type: 'string' }, message: { type: 'string' } } } } },
        Flow: { type: 'object', description: 'Columns of the scores view: identity, KDD basics, cluster, anomaly_score, is_anomaly, severity, reasons, label, incident_id…', additionalProperties: true },
        Page: { type: 'object', required: ['rows', 'next'], properties: { analysis: { type: 'string' }, sort: { type: 'string' }, limit: { type: 'integer' }, columns: { type: 'array', items: { type: 'string' } }, rows: { type: 'array', items: ref('Flow') }, next: { type: ['string', 'null'] }, total: { type: 'integer' } } },
        Reason: { type: 'object', properties: { feature: { type: 'string' }, value: {}, typical: {}, share: { type: 'number' }, z: { type: 'number' }, text: { type: 'string' } } },
        AnomalyRecord: { type: 'object', description: 'flowsift.anomaly/1 record (as `flowsift score` writes)', required: ['cluster', 'anomaly_score', 'is_anomaly', 'reasons'], properties: { cluster: { type: 'integer' }, distance: { type: 'number' }, threshold: { type: 'number' }, anomaly_score: { type: 'number' }, is_anomaly: { type: 'boolean' }, severity: { type: ['integer', 'null'] }, reasons: { type: 'array', items: ref('Reason') } }, additionalProperties: true },
        FlowInput: { type: 'object', description: "A flow: the model's features (GET /api/v1/model) plus any column of `flowsift flows`; unknown fields are refused", additionalProperties: true },
        Incident: { type: 'object', description: 'flowsift.incident/1 record plus its triage state', additionalProperties: true },
        Triage: { type: 'object', required: ['status'], properties: { status: { type: 'string', enum: [...TRIAGE_STATUSES] }, note: { type: 'string' }, by: { type: 'string' }, at: { type: 'string' } } },
        Job: { type: 'object', properties: { id: { type: 'string' }, state: { type: 'string', enum: ['queued', 'running', 'done', 'failed'] }, capture: { type: 'object' }, error: { type: 'string' }, analysis: { type: 'string' }, created_at: { type: 'string' } }, additionalProperties: true },
        Tensor: { type: 'object', required: ['name', 'shape', 'datatype', 'data'], properties: { name: { type: 'string' }, shape: { type: 'array', items: { type: 'integer' } }, datatype: { type: 'string' }, data: { type: 'array' } } },
      },
    },
    security: [{}, { bearer: [] }],
    paths: {
      '/api/v1/health': { get: { summary: 'Server status: analyses, model, jobs', responses: { 200: json({ type: 'object' }, 'ok'), 401: ERRORS[401] } } },
      '/api/v1/analyses': { get: { summary: 'The served analyses with their counts', responses: { 200: json({ type: 'object' }, 'ok'), 401: ERRORS[401] } } },
      '/api/v1/flows': { get: { summary: 'Flows (every scored flow), filtered, keyset-paged', parameters: [...filterParams(), ...pageParams('ts')], responses: { 200: json(ref('Page'), 'a page'), ...ERRORS, 404: err('No such analysis') } } },
      '/api/v1/anomalies': { get: { summary: 'Anomalous flows with reasons, most anomalous first', parameters: [...filterParams(), ...pageParams('score')], responses: { 200: json(ref('Page'), 'a page'), ...ERRORS, 404: err('No such analysis') } } },
      '/api/v1/flows.csv': { get: { summary: 'Every filtered flow as CSV (streamed)', parameters: [...filterParams(), q('sort', 'ts or score', { type: 'string', enum: ['ts', 'score'] })], responses: { 200: { description: 'CSV with a header row', content: { 'text/csv': { schema: { type: 'string' } } } }, ...ERRORS } } },
      '/api/v1/flows/{uid}': { get: { summary: 'One flow: every column, reasons, Wireshark filter, Community ID, incident, pcap link', parameters: [path('uid', 'Flow uid'), analysis, q('ts', 'The flow\'s ts when known (a list row has it): a faster lookup')], responses: { 200: json({ type: 'object' }, 'the flow'), 401: ERRORS[401], 404: err('No such flow') } } },
      '/api/v1/flows/{uid}/pcap': { get: { summary: "The flow's packets (both directions, its time span) cut from its source capture", parameters: [path('uid', 'Flow uid'), analysis, q('ts', 'The flow\'s ts when known: a faster lookup')], responses: { 200: { description: 'pcap (nanosecond) or pcapng when the packets have several link types', content: { 'application/vnd.tcpdump.pcap': { schema: { type: 'string', format: 'binary' } }, 'application/x-pcapng': { schema: { type: 'string', format: 'binary' } } } }, 401: ERRORS[401], 404: err('No such flow, or its capture is not at hand'), 422: err('The flow has no addresses to find packets by') } } },
      '/api/v1/incidents': {
        get: {
          summary: 'Incidents, ranked, with triage state',
          parameters: [analysis, q('kind', 'Incident kind (repeat for OR, ! excludes)', { type: 'string' }, true), q('severity', '1, 2 or 3', { type: 'string' }, true), q('status', TRIAGE_STATUSES.join(', '), { type: 'string' }, true), q('addr', 'An address among the top sources or destinations', { type: 'string' }, true), q('from', 'Incidents active at or after'), q('to', 'Incidents starting before'), q('after', 'Rank the previous page ended at'), q('limit', 'Rows per page (1–1000)', { type: 'integer' })],
          responses: { 200: json({ type: 'object', properties: { rows: { type: 'array', items: ref('Incident') }, next: { type: ['string', 'null'] } } }, 'a page'), ...ERRORS },
        },
      },
      '/api/v1/incidents/{id}': {
        get: { summary: 'One incident with its triage state', parameters: [path('id', 'incident_id'), analysis], responses: { 200: json({ type: 'object' }, 'the incident'), 401: ERRORS[401], 404: err('No such incident') } },
        patch: { summary: 'Set the triage state (persisted beside the analysis)', parameters: [path('id', 'incident_id'), analysis], requestBody: { required: true, content: { 'application/json': { schema: ref('Triage') } } }, responses: { 200: json({ type: 'object' }, 'the new state'), ...ERRORS, 404: err('No such incident'), 413: err('Body too large'), 415: err('Not JSON') } },
        post: { summary: 'Same as PATCH (for HTML forms posting JSON)', parameters: [path('id', 'incident_id'), analysis], requestBody: { required: true, content: { 'application/json': { schema: ref('Triage') } } }, responses: { 200: json({ type: 'object' }, 'the new state'), ...ERRORS, 404: err('No such incident'), 413: err('Body too large'), 415: err('Not JSON') } },
      },
      '/api/v1/model': { get: { summary: 'The model: features, k, thresholds, k selection, training (full=1: the whole model.json)', parameters: [analysis, q('full', '1: the whole model.json', { type: 'string', enum: ['1'] })], responses: { 200: json({ type: 'object' }, 'the model'), 401: ERRORS[401], 503: err('No model loaded') } } },
      '/api/v1/score': {
        post: {
          summary: 'Score one flow or an array of flows → anomaly records with reasons',
          parameters: [analysis, q('explain', 'Reasons per flow (0–20, default 3)', { type: 'integer' })],
          requestBody: { required: true, content: { 'application/json': { schema: { oneOf: [ref('FlowInput'), { type: 'array', items: ref('FlowInput') }] } } } },
          responses: { 200: json({ oneOf: [ref('AnomalyRecord'), { type: 'array', items: ref('AnomalyRecord') }] }, 'a record per flow, in order'), ...ERRORS, 413: err('Body over the limit (refused before it is read whole)'), 415: err('Not application/json'), 503: err('No model loaded') },
        },
      },
      '/api/v1/analyze': {
        post: {
          summary: 'Upload a capture (streamed to disk) → an analyze job',
          parameters: [q('name', 'File name of a raw upload')],
          requestBody: { required: true, content: { ...Object.fromEntries(RAW_CAPTURE_TYPES.map((t) => [t, { schema: { type: 'string', format: 'binary' } }])), 'multipart/form-data': { schema: { type: 'object', properties: { capture: { type: 'string', format: 'binary' } }, required: ['capture'] } } } },
          responses: { 202: json({ type: 'object', properties: { job: ref('Job') } }, 'job queued (Location: the job)'), ...ERRORS, 413: err('Over --max-upload'), 415: err('Not a capture content type') },
        },
      },
      '/api/v1/jobs': { get: { summary: 'Every analyze job', responses: { 200: json({ type: 'object' }, 'jobs'), 401: ERRORS[401] } } },
      '/api/v1/jobs/{id}': { get: { summary: 'A job: state, error line, analysis, latest events', parameters: [path('id', 'Job id'), q('events', 'How many of the latest events (default 20)', { type: 'integer' })], responses: { 200: json({ type: 'object', properties: { job: ref('Job') } }, 'the job'), 401: ERRORS[401], 404: err('No such job') } } },
      '/api/v1/jobs/{id}/events': { get: { summary: 'Job progress as server-sent events (event: progress, queued, running, done, failed; id: sequence, Last-Event-ID resumes)', parameters: [path('id', 'Job id')], responses: { 200: { description: 'text/event-stream', content: { 'text/event-stream': { schema: { type: 'string' } } } }, 401: ERRORS[401], 404: err('No such job') } } },
      '/api/v1/openapi.json': { get: { summary: 'This document', responses: { 200: json({ type: 'object' }, 'OpenAPI 3.1') } } },
      '/login': { post: { summary: 'Log in with the token (form or JSON {token, next}): sets the session cookie', security: [], requestBody: { content: { 'application/x-www-form-urlencoded': { schema: { type: 'object', properties: { token: { type: 'string' }, next: { type: 'string' } } } }, 'application/json': { schema: { type: 'object', properties: { token: { type: 'string' }, next: { type: 'string' } } } } } }, responses: { 200: json({ type: 'object' }, 'JSON login accepted'), 303: { description: 'Form login: to `next`, or back to /login?error=invalid' }, 401: err('Wrong token (JSON)'), 415: err('Neither a form nor JSON') } } },
      '/logout': { post: { summary: 'Clear the session cookie', responses: { 303: { description: 'To /login' } } } },
      '/v2': { get: { summary: 'OIP v2 server metadata', responses: { 200: json({ type: 'object' }, 'name, version, extensions') } } },
      '/v2/health/live': { get: { summary: 'OIP v2 liveness', responses: { 200: json({ type: 'object' }, 'live') } } },
      '/v2/health/ready': { get: { summary: 'OIP v2 readiness (a model is loaded)', responses: { 200: json({ type: 'object' }, 'ready'), 503: json({ type: 'object' }, 'no model') } } },
      '/v2/models/{name}': { get: { summary: 'OIP v2 model metadata: one input tensor per feature (FP64 / BYTES), outputs', parameters: [path('name', '"flowsift"')], responses: { 200: json({ type: 'object' }, 'metadata'), 404: json({ type: 'object' }, 'no such model') } } },
      '/v2/models/{name}/ready': { get: { summary: 'OIP v2 model readiness', parameters: [path('name', '"flowsift"')], responses: { 200: json({ type: 'object' }, 'ready'), 404: json({ type: 'object' }, 'no such model') } } },
      '/v2/models/{name}/infer': {
        post: {
          summary: 'OIP v2 inference: columnar input tensors (one per feature, one element per flow) → anomaly_score, is_anomaly, cluster, distance, threshold, severity, reasons',
          parameters: [path('name', '"flowsift"')],
          requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', required: ['inputs'], properties: { id: { type: 'string' }, inputs: { type: 'array', items: ref('Tensor') }, outputs: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' } } } } } } } } },
          responses: { 200: json({ type: 'object', properties: { model_name: { type: 'string' }, outputs: { type: 'array', items: ref('Tensor') } } }, 'outputs'), 400: json({ type: 'object', properties: { error: { type: 'string' } } }, 'bad request: {"error": "…"}'), 413: json({ type: 'object' }, 'body too large'), 415: json({ type: 'object' }, 'not JSON') },
        },
      },
    },
  };
}
