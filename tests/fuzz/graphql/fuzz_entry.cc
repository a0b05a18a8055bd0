#include "fuzz_entry.h"

#include <memory>
#include <string>
#include <string_view>

#include "graphql/execution.h"
#include "graphql/graphql.h"
#include "graphql/parser.h"
#include "graphql/validation.h"

namespace retrain {
// tests/integration/graphql/schema.graphql (CONTRACT section 5), compiled in by the build.
extern const std::string_view kContractSdl;
}  // namespace retrain

namespace retrain::graphql::fuzz {
namespace {

Value Job() {
  Value job = Value::EmptyObject();
  job.Set("id", "job-1");
  job.Set("modelId", "m");
  job.Set("status", "RUNNING");
  job.Set("trigger", "manual");
  job.Set("records", 3);
  job.Set("ingestionJobs", Value(Value::List{Value("a")}));
  job.Set("scheduledAt", "2026-01-01T00:00:00.000Z");
  job.Set("executor", "local");
  job.Set("metrics", Value::EmptyList());
  job.Set("events", Value::EmptyList());
  return job;
}

const Schema& FuzzSchema() {
  static const std::unique_ptr<Schema> schema = [] {
    auto s = Schema::FromSdl(retrain::kContractSdl);
    auto job = [](const Value&, const Value&, Context&) -> FieldResult { return Job(); };
    auto list = [](const Value&, const Value&, Context&) -> FieldResult {
      return Value(Value::List{Job()});
    };
    (void)(*s)->SetResolver("Query.mlRetrainingJob", job);
    (void)(*s)->SetResolver("Query.mlRetrainingJobs", list);
    (void)(*s)->SetResolver("Mutation.triggerMLRetraining", job);
    (void)(*s)->SetResolver("Mutation.cancelMLRetraining", job);
    (void)(*s)->SetResolver("Query.mlModels",
                            [](const Value&, const Value&, Context&) -> FieldResult {
                              Value m = Value::EmptyObject();
                              m.Set("id", "m");
                              m.Set("minRecords", 1);
                              m.Set("unseenRecords", 2);
                              return Value(Value::List{m});
                            });
    (void)(*s)->SetBatchResolver(
        "MLModel.jobs", [](std::span<const Value> parents, const Value&, Context&) {
          return std::vector<FieldResult>(parents.size(), FieldResult(Value(Value::List{Job()})));
        });
    return std::move(*s);
  }();
  return *schema;
}

}  // namespace

int RunOne(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  Limits limits;
  limits.max_document_bytes = 16 * 1024;
  limits.max_tokens = 2000;
  limits.max_depth = 12;
  limits.max_fields = 300;
  if (text.size() > limits.max_document_bytes) return 0;
  auto doc = Parse(text, ParseOptions{limits.max_tokens});
  if (!doc) return 0;
  if (CheckLimits(*doc, limits)) return 0;
  auto errors = Validate(FuzzSchema(), *doc);
  if (!errors.empty()) return 0;
  Request request;
  request.query = std::string(text);
  Context ctx;
  ExecuteOptions options;
  options.limits = limits;
  Response r = Execute(FuzzSchema(), request, ctx, options);
  (void)ResponseToJson(r);
  return 0;
}

}  // namespace retrain::graphql::fuzz
