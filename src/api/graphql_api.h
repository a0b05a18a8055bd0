#pragma once
// The GraphQL API of CONTRACT section 5 over HTTP, as one request -> response Handler that
// RestApi calls for every path under /graphql. Resolvers call the same Orchestrator and
// JobStore methods as the REST API; no business rule lives here.
//
// Routes (GraphQL over HTTP):
//   POST /graphql   Content-Type application/json, body {"query", "variables", "operationName"}.
//                   The response media type follows Accept: application/graphql-response+json
//                   when the client asks for it, else application/json.
//                   Status: 200 when the request reached GraphQL execution, and also for
//                   parse/validation errors answered as application/json (the GraphQL-over-HTTP
//                   rule for that media type); 400 for those errors answered as
//                   application/graphql-response+json; 400 for a body that is not a GraphQL
//                   request (bad JSON, no "query"), with a GraphQL-shaped error BAD_REQUEST.
//                   Any other Content-Type: 415 in the REST error shape.
//   GET /graphql?query=...&variables=...&operationName=...
//                   Executes queries only; a mutation gets 405 (Allow: POST).
//   GET /graphql    without `query`, or when Accept prefers text/html: the GraphiQL page
//                   (served offline from assets embedded at build time; a plain query form when
//                   the build had no assets).
//   GET /graphql/assets/<name>  the embedded GraphiQL/React files (fixed whitelist).
//
// Business errors carry extensions.code in SCREAMING form of the REST code (INSUFFICIENT_DATA,
// JOB_ACTIVE, UNKNOWN_MODEL, JOB_NOT_FOUND, JOB_FINISHED, ...) and the REST error details as
// further extension members (unseenRecords, minRecords, jobId). Bad arguments (first outside
// 1..500, an unknown cursor) are BAD_USER_INPUT.

#include "http/server.h"
#include "orchestrator/orchestrator.h"
#include "store/job_store.h"

namespace retrain {

// Builds the schema once and returns a handler sharing it. The handler is copyable and
// thread-safe; `orchestrator` and `store` must outlive every copy of it. Aborts the process if
// the built-in schema does not build (a programming error caught by every test).
Handler MakeGraphqlHandler(Orchestrator& orchestrator, JobStore& store);

}  // namespace retrain
