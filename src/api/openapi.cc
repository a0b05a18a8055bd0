#include <nlohmann/json.hpp>

#include "api/rest_api.h"

namespace retrain {

using nlohmann::json;

namespace {

json Ref(const std::string& name) { return {{"$ref", "#/components/schemas/" + name}}; }

json JsonContent(const json& schema) { return {{"application/json", {{"schema", schema}}}}; }

json ErrorResponses(std::initializer_list<std::pair<const char*, const char*>> codes) {
  json out = json::object();
  for (const auto& [status, desc] : codes) {
    out[status] = {{"description", desc}, {"content", JsonContent(Ref("Error"))}};
  }
  return out;
}

json Responses(const char* ok_status, const char* ok_desc, const json& ok_schema,
               std::initializer_list<std::pair<const char*, const char*>> errors) {
  json r = ErrorResponses(errors);
  r[ok_status] = {{"description", ok_desc}, {"content", JsonContent(ok_schema)}};
  return r;
}

json PathParam(const char* name, const char* desc) {
  return {{"name", name},
          {"in", "path"},
          {"required", true},
          {"description", desc},
          {"schema", {{"type", "string"}}}};
}

}  // namespace

std::string OpenApiDocument(const std::string& version) {
  json nullable_string = {{"type", "string"}, {"nullable", true}};
  json nullable_time = {{"type", "string"}, {"format", "date-time"}, {"nullable", true}};
  json status_enum = {
      {"type", "string"},
      {"enum", {"pending", "scheduled", "running", "completed", "failed", "cancelled"}}};
  json metrics = {{"type", "object"}, {"additionalProperties", {{"type", "number"}}}};
  json job = {
      {"type", "object"},
      {"required",
       {"id", "modelId", "status", "trigger", "records", "scheduledAt", "executor", "attempt"}},
      {"properties",
       {{"id", {{"type", "string"}}},
        {"modelId", {{"type", "string"}}},
        {"status", status_enum},
        {"reason", nullable_string},
        {"trigger", {{"type", "string"}, {"enum", {"automatic", "manual", "graphql", "drift"}}}},
        {"records", {{"type", "integer"}}},
        {"dataWindowStart", nullable_time},
        {"dataWindowEnd", nullable_time},
        {"ingestionJobs", {{"type", "array"}, {"items", {{"type", "string"}}}}},
        {"ingestionJobCounts",
         {{"type", "object"}, {"additionalProperties", {{"type", "integer"}}}}},
        {"scheduledAt", {{"type", "string"}, {"format", "date-time"}}},
        {"startedAt", nullable_time},
        {"completedAt", nullable_time},
        {"updatedAt", {{"type", "string"}, {"format", "date-time"}}},
        {"executor", {{"type", "string"}, {"enum", {"local", "kubernetes"}}}},
        {"kubernetesJobName", nullable_string},
        {"kubernetesNamespace", nullable_string},
        {"mlflowRunId", nullable_string},
        {"mlflowExperimentId", nullable_string},
        {"metrics", metrics},
        {"progress", {{"type", "number"}, {"nullable", true}}},
        {"attempt", {{"type", "integer"}}},
        {"error", nullable_string}}}};
  json event = {
      {"type", "object"},
      {"required", {"seq", "at", "source", "metrics"}},
      {"properties",
       {{"seq", {{"type", "integer"}}},
        {"at", {{"type", "string"}, {"format", "date-time"}}},
        {"status", {{"type", "string"}, {"nullable", true}}},
        {"progress", {{"type", "number"}, {"nullable", true}}},
        {"message", nullable_string},
        {"metrics", metrics},
        {"source", {{"type", "string"}, {"enum", {"worker", "executor", "api", "system"}}}}}}};
  json error = {{"type", "object"},
                {"required", {"error"}},
                {"properties",
                 {{"error",
                   {{"type", "object"},
                    {"required", {"code", "message", "details"}},
                    {"properties",
                     {{"code", {{"type", "string"}}},
                      {"message", {{"type", "string"}}},
                      {"details", {{"type", "object"}}}}}}}}}};
  json event_input = {{"type", "object"},
                      {"additionalProperties", false},
                      {"properties",
                       {{"status", status_enum},
                        {"metrics", metrics},
                        {"progress", {{"type", "number"}, {"minimum", 0}, {"maximum", 1}}},
                        {"message", {{"type", "string"}}},
                        {"error", {{"type", "string"}}}}}};
  json retrain_input = {
      {"type", "object"},
      {"additionalProperties", false},
      {"properties",
       {{"reason", {{"type", "string"}, {"maxLength", 1000}}}, {"force", {{"type", "boolean"}}}}}};

  json champion = {
      {"type", "object"},
      {"required", {"seq", "modelId", "version", "source", "reason", "from", "current"}},
      {"properties",
       {{"seq", {{"type", "integer"}}},
        {"modelId", {{"type", "string"}}},
        {"version",
         {{"type", "string"}, {"description", "the registered version that became champion"}}},
        {"previousVersion", nullable_string},
        {"source", {{"type", "string"}, {"enum", {"automatic", "manual", "rollback"}}}},
        {"reason", {{"type", "string"}}},
        {"jobId",
         {{"type", "string"},
          {"nullable", true},
          {"description", "the job whose worker promoted (automatic)"}}},
        {"from", {{"type", "string"}, {"format", "date-time"}}},
        {"to",
         {{"type", "string"},
          {"format", "date-time"},
          {"nullable", true},
          {"description", "when the next move replaced it; null for the current champion"}}},
        {"current", {{"type", "boolean"}}}}}};
  json move_result = {
      {"type", "object"},
      {"properties",
       {{"changed",
         {{"type", "boolean"}, {"description", "false when the version already was the champion"}}},
        {"message", {{"type", "string"}}},
        {"champion", Ref("Champion")}}}};
  json reason_field = {{"type", "string"}, {"minLength", 1}, {"maxLength", 1000}};
  json promote_input = {
      {"type", "object"},
      {"additionalProperties", false},
      {"required", {"version", "reason"}},
      {"properties",
       {{"version", {{"type", "string"}, {"example", "3"}}}, {"reason", reason_field}}}};
  json rollback_input = {{"type", "object"},
                         {"additionalProperties", false},
                         {"required", {"reason"}},
                         {"properties", {{"reason", reason_field}}}};

  json paths;
  paths["/models/{modelId}/champions"]["get"] = {
      {"summary",
       "The model's promotion history: which version was champion from when to when, and why"},
      {"parameters",
       {PathParam("modelId", "the model id"),
        {{"name", "limit"},
         {"in", "query"},
         {"schema", {{"type", "integer"}, {"minimum", 1}, {"maximum", 500}, {"default", 50}}}}}},
      {"responses", Responses("200", "the history, newest first",
                              {{"type", "object"},
                               {"properties",
                                {{"modelId", {{"type", "string"}}},
                                 {"champion", nullable_string},
                                 {"champions", {{"type", "array"}, {"items", Ref("Champion")}}}}}},
                              {{"400", "bad limit"}, {"404", "unknown_model"}})}};
  paths["/models/{modelId}/promote"]["post"] = {
      {"summary",
       "Make a registered version the champion (moves MLflow alias champion, tags the version)"},
      {"parameters", {PathParam("modelId", "the model id")}},
      {"requestBody", {{"required", true}, {"content", JsonContent(promote_input)}}},
      {"responses",
       Responses("200", "the champion after the move (changed false: it already was)", move_result,
                 {{"400", "bad input"},
                  {"404", "unknown_model or version_not_found"},
                  {"409", "no_registry"},
                  {"415", "not JSON"},
                  {"422", "invalid_value (details field: version or reason)"},
                  {"503", "the registry or store is down"}})}};
  paths["/models/{modelId}/rollback"]["post"] = {
      {"summary", "Move the champion back to the version that was champion before the current one"},
      {"parameters", {PathParam("modelId", "the model id")}},
      {"requestBody", {{"required", true}, {"content", JsonContent(rollback_input)}}},
      {"responses", Responses("200", "the champion after the move", move_result,
                              {{"400", "bad input"},
                               {"404", "unknown_model"},
                               {"409", "no_previous_champion or no_registry"},
                               {"415", "not JSON"},
                               {"422", "invalid_value (details field: reason)"},
                               {"503", "the registry or store is down"}})}};
  paths["/models/{modelId}/retrain"]["post"] = {
      {"summary", "Start a retraining job for a model"},
      {"parameters",
       {PathParam("modelId", "the model id"),
        {{"name", "Idempotency-Key"},
         {"in", "header"},
         {"required", false},
         {"schema", {{"type", "string"}, {"maxLength", 255}}}}}},
      {"requestBody", {{"required", false}, {"content", JsonContent(retrain_input)}}},
      {"responses", Responses("202", "the job was created", Ref("Job"),
                              {{"400", "bad input"},
                               {"404", "unknown_model"},
                               {"409", "insufficient_data or job_active"},
                               {"415", "not JSON"},
                               {"422", "invalid values"},
                               {"503", "the feed or store is down"}})}};
  paths["/models/{modelId}/trigger-preview"]["get"] = {
      {"summary", "What the trigger would do for a model now, and why"},
      {"parameters", {PathParam("modelId", "the model id")}},
      {"responses",
       Responses("200", "the preview", {{"type", "object"}}, {{"404", "unknown_model"}})}};
  paths["/models"]["get"] = {{"summary", "Configured models with their unseen records and jobs"},
                             {"responses", Responses("200", "the models", {{"type", "object"}},
                                                     {{"503", "the feed is down"}})}};
  paths["/retraining/jobs"]["get"] = {
      {"summary", "List jobs, newest first"},
      {"parameters",
       {{{"name", "modelId"}, {"in", "query"}, {"schema", {{"type", "string"}}}},
        {{"name", "status"}, {"in", "query"}, {"schema", status_enum}},
        {{"name", "limit"},
         {"in", "query"},
         {"schema", {{"type", "integer"}, {"minimum", 1}, {"maximum", 500}, {"default", 50}}}},
        {{"name", "cursor"}, {"in", "query"}, {"schema", {{"type", "string"}}}}}},
      {"responses", Responses("200", "a page of jobs",
                              {{"type", "object"},
                               {"properties",
                                {{"jobs", {{"type", "array"}, {"items", Ref("Job")}}},
                                 {"nextCursor", nullable_string}}}},
                              {{"400", "bad filter or cursor"}})}};
  paths["/retraining/jobs/{jobId}"]["get"] = {
      {"summary", "One job"},
      {"parameters", {PathParam("jobId", "the job id")}},
      {"responses", Responses("200", "the job", Ref("Job"), {{"404", "job_not_found"}})}};
  paths["/retraining/jobs/{jobId}/events"]["post"] = {
      {"summary", "Report a job's progress, metrics or status (workers)"},
      {"parameters", {PathParam("jobId", "the job id")}},
      {"security", {{{"callbackToken", json::array()}}}},
      {"requestBody", {{"required", true}, {"content", JsonContent(event_input)}}},
      {"responses", Responses("200", "the updated job", Ref("Job"),
                              {{"400", "empty or malformed event"},
                               {"401", "missing or wrong callback token"},
                               {"404", "job_not_found"},
                               {"409", "invalid_transition or job_finished"},
                               {"415", "not JSON"},
                               {"422", "invalid values"}})}};
  paths["/retraining/jobs/{jobId}/events"]["get"] = {
      {"summary", "A job's events, oldest first"},
      {"parameters", {PathParam("jobId", "the job id")}},
      {"responses",
       Responses("200", "the events",
                 {{"type", "object"},
                  {"properties", {{"events", {{"type", "array"}, {"items", Ref("Event")}}}}}},
                 {{"404", "job_not_found"}})}};
  paths["/retraining/jobs/{jobId}/logs"]["get"] = {
      {"summary", "The end (last MiB) of a job attempt's worker log (local executor)"},
      {"parameters",
       {PathParam("jobId", "the job id"),
        {{"name", "attempt"}, {"in", "query"}, {"schema", {{"type", "integer"}, {"minimum", 1}}}}}},
      {"responses",
       {{"200",
         {{"description", "the log"},
          {"content", {{"text/plain", {{"schema", {{"type", "string"}}}}}}}}},
        {"400", {{"description", "bad attempt"}, {"content", JsonContent(Ref("Error"))}}},
        {"404",
         {{"description", "job_not_found, log_not_found or logs_unavailable"},
          {"content", JsonContent(Ref("Error"))}}}}}};
  paths["/retraining/jobs/{jobId}/cancel"]["post"] = {
      {"summary", "Cancel a job"},
      {"parameters", {PathParam("jobId", "the job id")}},
      {"responses", Responses("200", "the cancelled job", Ref("Job"),
                              {{"404", "job_not_found"}, {"409", "job_finished"}})}};
  paths["/healthz"]["get"] = {{"summary", "Liveness"},
                              {"responses", {{"200", {{"description", "alive"}}}}}};
  paths["/readyz"]["get"] = {
      {"summary", "Readiness: the store and the feed answer"},
      {"responses",
       {{"200", {{"description", "ready"}}},
        {"503",
         {{"description", "a dependency is down"}, {"content", JsonContent(Ref("Error"))}}}}}};
  paths["/metrics"]["get"] = {
      {"summary", "Prometheus metrics"},
      {"responses",
       {{"200",
         {{"description", "text exposition format"},
          {"content", {{"text/plain", {{"schema", {{"type", "string"}}}}}}}}}}}};

  json doc = {
      {"openapi", "3.0.3"},
      {"info",
       {{"title", "retrain"},
        {"version", version},
        {"description",
         "Automatic retraining of machine-learning models when enough new feed data has "
         "arrived."}}},
      {"paths", paths},
      {"components",
       {{"schemas", {{"Job", job}, {"Event", event}, {"Error", error}, {"Champion", champion}}},
        {"securitySchemes",
         {{"callbackToken",
           {{"type", "http"},
            {"scheme", "bearer"},
            {"description", "the job's RETRAINING_CALLBACK_TOKEN"}}}}}}}};
  return doc.dump(2);
}

}  // namespace retrain
