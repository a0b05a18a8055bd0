// Runs every corpus document through graphql-js with the same schema, fixture and resolver
// logic as graphql_conformance_driver, and compares the two responses: data exactly; errors
// by message, locations and path (and extensions.code where graphql-js has one).
// Usage: node compare.mjs GRAPHQL_JS_DIR SCHEMA FIXTURE CORPUS_DIR DRIVER_OUTPUT.jsonl
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const [gqlDir, schemaFile, fixtureFile, corpusDir, driverOut] = process.argv.slice(2);
const { buildSchema, graphql, GraphQLError } = await import(
  pathToFileURL(path.join(gqlDir, 'node_modules', 'graphql', 'index.mjs')).href);

const schema = buildSchema(fs.readFileSync(schemaFile, 'utf8'));
const fixtureText = fs.readFileSync(fixtureFile, 'utf8');
const NOW = '2026-11-26T08:00:00.000Z';
const fail = (code, message) => new GraphQLError(message, { extensions: { code } });

const resolvers = {
  'Query.mlRetrainingJobs': (_, args, f) => {
    if (args.first != null && args.first < 0) throw fail('BAD_USER_INPUT', '"first" must not be negative.');
    const all = f.jobs.filter((j) => (args.modelId == null || j.modelId === args.modelId) &&
                                     (args.status == null || j.status === args.status));
    let start = 0;
    if (args.after != null) {
      const i = all.findIndex((j) => j.id === args.after);
      if (i < 0) throw fail('BAD_USER_INPUT', `Unknown cursor "${args.after}".`);
      start = i + 1;
    }
    const limit = args.first == null ? all.length : args.first;
    return all.slice(start, start + limit);
  },
  'Query.mlRetrainingJob': (_, { jobId }, f) => {
    const job = f.jobs.find((j) => j.id === jobId);
    if (!job) throw fail('JOB_NOT_FOUND', `Job "${jobId}" was not found.`);
    return job;
  },
  'Query.mlModels': (_, __, f) => f.models,
  'MLModel.activeJob': (m, __, f) => (typeof m.activeJobId === 'string'
    ? f.jobs.find((j) => j.id === m.activeJobId) ?? null : null),
  'MLModel.jobs': (m, { first }, f) => {
    if (first != null && first < 0) throw fail('BAD_USER_INPUT', '"first" must not be negative.');
    const limit = first == null ? 10 : first;
    return f.jobs.filter((j) => j.modelId === m.id).slice(0, limit);
  },
  'Mutation.triggerMLRetraining': (_, { modelId, reason, force }, f) => {
    const model = f.models.find((m) => m.id === modelId);
    if (!model) throw fail('UNKNOWN_MODEL', `Model "${modelId}" is not configured.`);
    if (typeof model.activeJobId === 'string') throw fail('JOB_ACTIVE', `Model "${modelId}" already has an active job.`);
    const unseen = model.unseenRecords; const min = model.minRecords;
    if (unseen < 1 || (!force && unseen < min)) {
      throw fail('INSUFFICIENT_DATA', `Model "${modelId}" has ${unseen} unseen records; ${min} are needed.`);
    }
    const id = `job-new-${++f.created}`;
    const job = { id, modelId, status: 'PENDING', reason: reason ?? null, trigger: 'graphql', records: unseen,
      dataWindowStart: null, dataWindowEnd: null, ingestionJobs: [], scheduledAt: NOW, startedAt: null,
      completedAt: null, executor: 'local', metrics: [], error: null,
      events: [{ seq: 1, at: NOW, status: 'PENDING', message: 'accepted', source: 'api', metrics: [] }] };
    model.activeJobId = id; model.unseenRecords = 0; f.jobs.push(job);
    return job;
  },
  'Mutation.cancelMLRetraining': (_, { jobId }, f) => {
    const job = f.jobs.find((j) => j.id === jobId);
    if (!job) throw fail('JOB_NOT_FOUND', `Job "${jobId}" was not found.`);
    if (['COMPLETED', 'FAILED', 'CANCELLED'].includes(job.status)) {
      throw fail('JOB_FINISHED', `Job "${jobId}" has already finished.`);
    }
    job.status = 'CANCELLED'; job.completedAt = NOW;
    const model = f.models.find((m) => m.id === job.modelId);
    if (model && model.activeJobId === jobId) model.activeJobId = null;
    return job;
  },
};

function fieldResolver(source, args, context, info) {
  const r = resolvers[`${info.parentType.name}.${info.fieldName}`];
  if (r) return r(source, args, context);
  return source == null ? undefined : source[info.fieldName];
}

function header(text) {
  const out = { variables: undefined, operationName: undefined };
  for (const line of text.split('\n')) {
    if (!line.startsWith('#')) break;
    if (line.startsWith('# variables:')) out.variables = JSON.parse(line.slice(12));
    if (line.startsWith('# operationName:')) out.operationName = line.slice(16).trim();
  }
  return out;
}

const normError = (e, withCode) => {
  const out = { message: e.message };
  if (e.locations) out.locations = e.locations;
  if (e.path) out.path = e.path;
  if (withCode) out.code = e.extensions?.code;
  return out;
};

// Built-in descriptions are worded differently (documented in DIFFERENCES.md).
const BUILTIN = new Set(['String', 'Int', 'Float', 'Boolean', 'ID', '__Schema', '__Type', '__TypeKind',
  '__Field', '__InputValue', '__EnumValue', '__Directive', '__DirectiveLocation']);
const BUILTIN_DIRECTIVES = new Set(['include', 'skip', 'deprecated', 'specifiedBy']);
function dropBuiltinDescriptions(v) {
  if (Array.isArray(v)) return v.forEach(dropBuiltinDescriptions);
  if (v === null || typeof v !== 'object') return;
  const builtin = (typeof v.name === 'string' && (BUILTIN.has(v.name) || BUILTIN_DIRECTIVES.has(v.name)) &&
                   ('kind' in v || 'locations' in v || 'isRepeatable' in v));
  if (builtin) {
    if ('description' in v) v.description = '<builtin>';
    for (const key of ['args', 'fields', 'enumValues', 'inputFields']) {
      for (const m of v[key] ?? []) if (m && 'description' in m) m.description = '<builtin>';
    }
  }
  for (const key of Object.keys(v)) dropBuiltinDescriptions(v[key]);
}

const ours = new Map();
for (const line of fs.readFileSync(driverOut, 'utf8').split('\n')) {
  if (line.trim()) { const o = JSON.parse(line); ours.set(o.file, o.response); }
}

const files = fs.readdirSync(corpusDir).filter((f) => f.endsWith('.graphql')).sort();
let passed = 0; let failed = 0;
for (const file of files) {
  const source = fs.readFileSync(path.join(corpusDir, file), 'utf8');
  const { variables, operationName } = header(source);
  const fixture = JSON.parse(fixtureText);
  fixture.created = 0;
  const theirs = JSON.parse(JSON.stringify(await graphql({
    schema, source, variableValues: variables, operationName, contextValue: fixture, fieldResolver })));
  const mine = ours.get(file);
  if (!mine) { failed++; console.log(`FAIL ${file}: no output from the driver`); continue; }
  const a = { hasData: 'data' in theirs, data: theirs.data,
    errors: (theirs.errors ?? []).map((e) => normError(e, !!e.extensions?.code)) };
  const b = { hasData: 'data' in mine, data: mine.data,
    errors: (mine.errors ?? []).map((e, i) => normError(e, !!theirs.errors?.[i]?.extensions?.code)) };
  dropBuiltinDescriptions(a.data); dropBuiltinDescriptions(b.data);
  const ja = JSON.stringify(a); const jb = JSON.stringify(b);
  if (ja === jb) { passed++; continue; }
  failed++;
  console.log(`FAIL ${file}\n  graphql-js: ${ja}\n  retrain:    ${jb}`);
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
