#include "graphql/graphql.h"

#include "graphql/execution.h"
#include "graphql/parser.h"
#include "graphql/validation.h"

namespace retrain::graphql {

Response Execute(const Schema& schema, const Request& request, Context& context,
                 const ExecuteOptions& options) {
  Response response;
  const Limits& limits = options.limits;
  if (limits.max_document_bytes > 0 && request.query.size() > limits.max_document_bytes) {
    response.errors.push_back(GraphQLError{
        "The query document is " + std::to_string(request.query.size()) +
            " bytes, more than the maximum of " + std::to_string(limits.max_document_bytes) + ".",
        {},
        {},
        kCodeLimitExceeded,
        {}});
    return response;
  }
  auto doc = Parse(request.query, ParseOptions{limits.max_tokens});
  if (!doc) {
    response.errors.push_back(std::move(doc.error()));
    return response;
  }
  if (auto limit_error = CheckLimits(*doc, limits)) {
    response.errors.push_back(std::move(*limit_error));
    return response;
  }
  auto errors = Validate(schema, *doc, limits.max_validation_errors);
  if (!errors.empty()) {
    response.errors = std::move(errors);
    return response;
  }
  return ExecuteDocument(schema, *doc, request, context, options);
}

}  // namespace retrain::graphql
