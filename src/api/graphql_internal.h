#pragma once
// Internal to src/api: the pieces MakeGraphqlHandler (graphql_api.cc) puts together.

#include <memory>
#include <optional>
#include <string_view>

#include "core/error.h"
#include "graphql/schema.h"
#include "http/server.h"
#include "orchestrator/orchestrator.h"
#include "store/job_store.h"

namespace retrain {

// The CONTRACT section 5 schema (SDL, with descriptions).
std::string_view GraphqlSdl();

// Builds the schema from GraphqlSdl() and binds every resolver to `orchestrator` and `store`,
// which must outlive the schema. Errors (kInvalidArgument): the SDL or a binding is wrong (a bug).
Result<std::unique_ptr<graphql::Schema>> BuildGraphqlSchema(Orchestrator& orchestrator,
                                                            JobStore& store);

// Whether this build embedded the GraphiQL/React assets (scripts/web-assets at configure time).
bool GraphiqlAssetsEmbedded();
// The GraphiQL page, or a plain query form when the assets were not embedded.
Response GraphiqlPage();
// GET /graphql/assets/<name>: one of the whitelisted files with its content type and caching
// headers (304 when If-None-Match matches); nullopt for any other name or when not embedded.
std::optional<Response> GraphiqlAsset(std::string_view name, const Request& request);

}  // namespace retrain
