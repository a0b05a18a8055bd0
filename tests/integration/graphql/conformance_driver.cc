// Executes every document of a corpus directory against the CONTRACT section 5 schema with
// resolvers over a fixture data set, and prints one JSON line per document:
//   {"file": "name.graphql", "response": {...}}
// Usage: graphql_conformance_driver SCHEMA.graphql FIXTURE.json CORPUS_DIR
// A document may start with comment lines "# variables: {json}" and "# operationName: Name".
// Each document runs against a fresh copy of the fixture (mutations change it).
// compare.mjs runs the same documents through graphql-js with the same resolvers.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "graphql/graphql.h"

namespace gql = retrain::graphql;
using gql::FieldFailure;
using gql::FieldResult;
using gql::Value;

namespace {

struct Fixture {
  Value models;
  Value jobs;
  int created = 0;
};

Fixture& Data(gql::Context& ctx) { return *std::any_cast<Fixture*>(ctx.user); }

std::string Read(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Value* FindById(Value& list, const std::string& id) {
  for (auto& item : list.AsList()) {
    const Value* v = item.Find("id");
    if (v && v->IsString() && v->AsString() == id) return &item;
  }
  return nullptr;
}

bool StrEq(const Value* v, const std::string& s) {
  return v && v->IsString() && v->AsString() == s;
}

constexpr char kNow[] = "2026-11-26T08:00:00.000Z";

void Bind(gql::Schema& schema) {
  (void)schema.SetResolver(
      "Query.mlRetrainingJobs",
      [](const Value&, const Value& args, gql::Context& ctx) -> FieldResult {
        Fixture& f = Data(ctx);
        const Value* model = args.Find("modelId");
        const Value* status = args.Find("status");
        const Value* first = args.Find("first");
        const Value* after = args.Find("after");
        if (first && first->IsInt() && first->AsInt() < 0) {
          return FieldFailure("BAD_USER_INPUT", "\"first\" must not be negative.");
        }
        Value::List all;
        for (const auto& job : f.jobs.AsList()) {
          if (model && model->IsString() && !StrEq(job.Find("modelId"), model->AsString()))
            continue;
          if (status && status->IsString() && !StrEq(job.Find("status"), status->AsString()))
            continue;
          all.push_back(job);
        }
        size_t start = 0;
        if (after && after->IsString()) {
          auto it = std::find_if(all.begin(), all.end(), [&](const Value& j) {
            return StrEq(j.Find("id"), after->AsString());
          });
          if (it == all.end())
            return FieldFailure("BAD_USER_INPUT", "Unknown cursor \"" + after->AsString() + "\".");
          start = static_cast<size_t>(it - all.begin()) + 1;
        }
        size_t limit = first && first->IsInt() ? static_cast<size_t>(first->AsInt()) : all.size();
        Value::List out;
        for (size_t i = start; i < all.size() && out.size() < limit; ++i) out.push_back(all[i]);
        return Value(std::move(out));
      });
  (void)schema.SetResolver("Query.mlRetrainingJob",
                           [](const Value&, const Value& args, gql::Context& ctx) -> FieldResult {
                             const std::string& id = args.Find("jobId")->AsString();
                             if (Value* job = FindById(Data(ctx).jobs, id)) return *job;
                             return FieldFailure("JOB_NOT_FOUND",
                                                 "Job \"" + id + "\" was not found.");
                           });
  (void)schema.SetResolver("Query.mlModels",
                           [](const Value&, const Value&, gql::Context& ctx) -> FieldResult {
                             return Data(ctx).models;
                           });
  (void)schema.SetResolver("MLModel.activeJob",
                           [](const Value& model, const Value&, gql::Context& ctx) -> FieldResult {
                             const Value* id = model.Find("activeJobId");
                             if (!id || !id->IsString()) return Value();
                             if (Value* job = FindById(Data(ctx).jobs, id->AsString())) return *job;
                             return Value();
                           });
  (void)schema.SetBatchResolver(
      "MLModel.jobs", [](std::span<const Value> models, const Value& args, gql::Context& ctx) {
        std::vector<FieldResult> out;
        int64_t first =
            args.Find("first") && args.Find("first")->IsInt() ? args.Find("first")->AsInt() : 10;
        for (const Value& model : models) {
          if (first < 0) {
            out.push_back(FieldFailure("BAD_USER_INPUT", "\"first\" must not be negative."));
            continue;
          }
          Value::List jobs;
          for (const auto& job : Data(ctx).jobs.AsList()) {
            if (static_cast<int64_t>(jobs.size()) >= first) break;
            if (StrEq(job.Find("modelId"), model.Find("id")->AsString())) jobs.push_back(job);
          }
          out.emplace_back(Value(std::move(jobs)));
        }
        return out;
      });
  (void)schema.SetResolver(
      "Mutation.triggerMLRetraining",
      [](const Value&, const Value& args, gql::Context& ctx) -> FieldResult {
        Fixture& f = Data(ctx);
        const std::string& id = args.Find("modelId")->AsString();
        Value* model = FindById(f.models, id);
        if (!model) return FieldFailure("UNKNOWN_MODEL", "Model \"" + id + "\" is not configured.");
        if (model->Find("activeJobId")->IsString()) {
          return FieldFailure("JOB_ACTIVE", "Model \"" + id + "\" already has an active job.");
        }
        int64_t unseen = model->Find("unseenRecords")->AsInt();
        int64_t min = model->Find("minRecords")->AsInt();
        bool force =
            args.Find("force") && args.Find("force")->IsBool() && args.Find("force")->AsBool();
        if (unseen < 1 || (!force && unseen < min)) {
          return FieldFailure("INSUFFICIENT_DATA",
                              "Model \"" + id + "\" has " + std::to_string(unseen) +
                                  " unseen records; " + std::to_string(min) + " are needed.");
        }
        std::string job_id = "job-new-" + std::to_string(++f.created);
        Value job = Value::EmptyObject();
        job.Set("id", job_id);
        job.Set("modelId", id);
        job.Set("status", "PENDING");
        const Value* reason = args.Find("reason");
        job.Set("reason", reason ? *reason : Value());
        job.Set("trigger", "graphql");
        job.Set("records", unseen);
        job.Set("dataWindowStart", Value());
        job.Set("dataWindowEnd", Value());
        job.Set("ingestionJobs", Value::EmptyList());
        job.Set("scheduledAt", kNow);
        job.Set("startedAt", Value());
        job.Set("completedAt", Value());
        job.Set("executor", "local");
        job.Set("metrics", Value::EmptyList());
        job.Set("error", Value());
        Value event = Value::EmptyObject();
        event.Set("seq", 1);
        event.Set("at", kNow);
        event.Set("status", "PENDING");
        event.Set("message", "accepted");
        event.Set("source", "api");
        event.Set("metrics", Value::EmptyList());
        job.Set("events", Value(Value::List{event}));
        model->Set("activeJobId", job_id);
        model->Set("unseenRecords", 0);
        f.jobs.Push(job);
        return job;
      });
  (void)schema.SetResolver(
      "Mutation.cancelMLRetraining",
      [](const Value&, const Value& args, gql::Context& ctx) -> FieldResult {
        Fixture& f = Data(ctx);
        const std::string& id = args.Find("jobId")->AsString();
        Value* job = FindById(f.jobs, id);
        if (!job) return FieldFailure("JOB_NOT_FOUND", "Job \"" + id + "\" was not found.");
        const Value* status = job->Find("status");
        if (StrEq(status, "COMPLETED") || StrEq(status, "FAILED") || StrEq(status, "CANCELLED")) {
          return FieldFailure("JOB_FINISHED", "Job \"" + id + "\" has already finished.");
        }
        job->Set("status", "CANCELLED");
        job->Set("completedAt", kNow);
        if (Value* model = FindById(f.models, job->Find("modelId")->AsString())) {
          if (StrEq(model->Find("activeJobId"), id)) model->Set("activeJobId", Value());
        }
        return *job;
      });
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: graphql_conformance_driver SCHEMA.graphql FIXTURE.json CORPUS_DIR\n";
    return 2;
  }
  auto schema = gql::Schema::FromSdl(Read(argv[1]));
  if (!schema) {
    std::cerr << "schema: " << schema.error().message << "\n";
    return 1;
  }
  Bind(**schema);
  auto fixture = gql::ParseJson(Read(argv[2]));
  if (!fixture) {
    std::cerr << "fixture: " << fixture.error().message << "\n";
    return 1;
  }
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(argv[3])) {
    if (e.path().extension() == ".graphql") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  for (const auto& file : files) {
    gql::Request req;
    req.query = Read(file);
    std::istringstream lines(req.query);
    std::string line;
    while (std::getline(lines, line) && line.starts_with("#")) {
      if (line.starts_with("# variables:")) {
        auto vars = gql::ParseJson(line.substr(12));
        if (vars) req.variables = *vars;
      } else if (line.starts_with("# operationName:")) {
        std::string name = line.substr(16);
        name.erase(0, name.find_first_not_of(' '));
        req.operation_name = name;
      }
    }
    Fixture data{*fixture->Find("models"), *fixture->Find("jobs"), 0};
    gql::Context ctx;
    ctx.user = &data;
    gql::Response r = gql::Execute(**schema, req, ctx);
    std::cout << "{\"file\":" << gql::ToJson(Value(file.filename().string()))
              << ",\"response\":" << gql::ResponseToJson(r) << "}\n";
  }
  return 0;
}
