#include "exec/kubernetes/job_manifest.h"

#include <cctype>
#include <nlohmann/json.hpp>

namespace retrain {

using json = nlohmann::json;

namespace {

constexpr size_t kMaxName = 63;
constexpr std::string_view kPrefix = "ml-retrain-";
constexpr size_t kShortIdLength = 8;

bool IsAlnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

// Lower-case RFC 1123 label characters; anything else becomes '-', runs of '-' collapse,
// leading and trailing '-' are dropped.
std::string Rfc1123Part(const std::string& text) {
  std::string out;
  for (char c : text) {
    char l = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    bool ok = (l >= 'a' && l <= 'z') || (l >= '0' && l <= '9');
    char put = ok ? l : '-';
    if (put == '-' && (out.empty() || out.back() == '-')) continue;
    out.push_back(put);
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out;
}

std::string NameWithSuffix(const std::string& model_id, const std::string& suffix) {
  std::string model = Rfc1123Part(model_id);
  if (model.empty()) model = "model";
  size_t budget = kMaxName - kPrefix.size() - 1 - suffix.size();
  if (model.size() > budget) model.resize(budget);
  while (!model.empty() && model.back() == '-') model.pop_back();
  if (model.empty()) model = "m";
  return std::string(kPrefix) + model + "-" + suffix;
}

std::string IdPart(const std::string& job_id, size_t max_len) {
  std::string id = Rfc1123Part(job_id);
  if (id.size() > max_len) id.resize(max_len);
  while (!id.empty() && id.back() == '-') id.pop_back();
  return id.empty() ? "0" : id;
}

json Labels(const ExecSpec& spec) {
  return {{kManagedByLabel, kManagedByValue},
          {"app.kubernetes.io/name", "retrain-worker"},
          {kModelIdLabel, LabelValue(spec.model ? spec.model->id : "")},
          {kJobIdLabel, spec.job_id},
          {kAttemptLabel, std::to_string(spec.attempt)}};
}

std::string EnvOr(const ExecSpec& spec, const char* key) {
  auto it = spec.env.find(key);
  return it == spec.env.end() ? "" : it->second;
}

}  // namespace

Status ValidateJobId(const std::string& job_id) {
  bool ok = !job_id.empty() && job_id.size() <= kMaxName && IsAlnum(job_id.front()) &&
            IsAlnum(job_id.back());
  for (char c : job_id) ok = ok && (IsAlnum(c) || c == '-' || c == '_' || c == '.');
  if (!ok)
    return Fail(ErrorCode::kInvalidArgument,
                "job id \"" + job_id +
                    "\" cannot name a Kubernetes Job (1-63 letters, digits, '-', '_' or '.')");
  return {};
}

std::string JobNameFor(const std::string& model_id, const std::string& job_id) {
  return NameWithSuffix(model_id, IdPart(job_id, kShortIdLength));
}

std::string JobNameForCollision(const std::string& model_id, const std::string& job_id) {
  return NameWithSuffix(model_id, IdPart(job_id, kMaxName - kPrefix.size() - 2));
}

std::string TokenSecretName(const std::string& job_name) { return job_name + "-token"; }

std::string LabelValue(const std::string& text) {
  std::string out;
  for (char c : text) {
    bool ok = IsAlnum(c) || c == '-' || c == '_' || c == '.';
    out.push_back(ok ? c : '-');
  }
  if (out.size() > kMaxName) out.resize(kMaxName);
  size_t start = 0;
  while (start < out.size() && !IsAlnum(out[start])) ++start;
  out.erase(0, start);
  while (!out.empty() && !IsAlnum(out.back())) out.pop_back();
  return out;
}

Result<json> BuildJobManifest(const ExecSpec& spec, const std::string& job_name,
                              const JobManifestOptions& options) {
  if (spec.model == nullptr)
    return Fail(ErrorCode::kInvalidArgument, "job " + spec.job_id + " has no model settings");
  if (auto s = ValidateJobId(spec.job_id); !s) return std::unexpected(s.error());
  std::string image = spec.model->image.empty() ? options.image : spec.model->image;
  if (image.empty())
    return Fail(ErrorCode::kFailedPrecondition,
                "model " + spec.model->id +
                    " has no worker image; set RETRAINING_IMAGE or the model's image");

  json env = json::array();
  bool has_home = false, has_tmpdir = false;
  for (const auto& [name, value] : spec.env) {
    if (name == "RETRAINING_CALLBACK_TOKEN") continue;  // only ever through the Secret
    has_home = has_home || name == "HOME";
    has_tmpdir = has_tmpdir || name == "TMPDIR";
    env.push_back({{"name", name}, {"value", value}});
  }
  // The root filesystem is read-only; /tmp is a writable emptyDir.
  if (!has_home) env.push_back({{"name", "HOME"}, {"value", "/tmp"}});
  if (!has_tmpdir) env.push_back({{"name", "TMPDIR"}, {"value", "/tmp"}});
  json secret_ref = {{"name", TokenSecretName(job_name)}, {"key", kTokenSecretKey}};
  json token_env = {{"name", "RETRAINING_CALLBACK_TOKEN"},
                    {"valueFrom", {{"secretKeyRef", secret_ref}}}};
  env.push_back(token_env);

  json requests = json::object(), limits = json::object();
  if (!options.cpu_request.empty()) requests["cpu"] = options.cpu_request;
  if (!options.memory_request.empty()) requests["memory"] = options.memory_request;
  if (!options.cpu_limit.empty()) limits["cpu"] = options.cpu_limit;
  if (!options.memory_limit.empty()) limits["memory"] = options.memory_limit;
  if (!options.ephemeral_storage_limit.empty())
    limits["ephemeral-storage"] = options.ephemeral_storage_limit;

  json container = {
      {"name", kContainerName},
      {"image", image},
      {"env", env},
      {"resources", {{"requests", requests}, {"limits", limits}}},
      {"volumeMounts", json::array({{{"name", "tmp"}, {"mountPath", "/tmp"}}})},
      {"securityContext",
       {{"allowPrivilegeEscalation", false},
        {"privileged", false},
        {"readOnlyRootFilesystem", true},
        {"runAsNonRoot", true},
        {"capabilities", {{"drop", json::array({"ALL"})}}},
        {"seccompProfile", {{"type", "RuntimeDefault"}}}}},
  };
  if (!options.command.empty()) container["command"] = options.command;
  if (!options.args.empty()) container["args"] = options.args;
  if (!options.image_pull_policy.empty()) container["imagePullPolicy"] = options.image_pull_policy;

  json tmp_volume = {{"name", "tmp"}, {"emptyDir", json::object()}};
  if (!options.ephemeral_storage_limit.empty())
    tmp_volume["emptyDir"]["sizeLimit"] = options.ephemeral_storage_limit;

  json pod_labels = Labels(spec);
  pod_labels[kPodJobIdLabel] = spec.job_id;
  json pod_spec = {
      {"restartPolicy", "Never"},
      {"automountServiceAccountToken", options.automount_service_account_token},
      {"securityContext",
       {{"runAsNonRoot", true},
        {"runAsUser", options.run_as_user},
        {"runAsGroup", options.run_as_user},
        {"fsGroup", options.run_as_user},
        {"seccompProfile", {{"type", "RuntimeDefault"}}}}},
      {"containers", json::array({container})},
      {"volumes", json::array({tmp_volume})},
  };
  if (!options.service_account.empty()) pod_spec["serviceAccountName"] = options.service_account;

  json annotations = {
      {"retrain.dev/model-id", spec.model->id},
      {"retrain.dev/job-id", spec.job_id},
      {"retrain.dev/attempt", std::to_string(spec.attempt)},
  };
  if (auto v = EnvOr(spec, "MLFLOW_RUN_ID"); !v.empty())
    annotations["retrain.dev/mlflow-run-id"] = v;
  if (auto v = EnvOr(spec, "DATA_WINDOW_START"); !v.empty())
    annotations["retrain.dev/data-window-start"] = v;
  if (auto v = EnvOr(spec, "DATA_WINDOW_END"); !v.empty())
    annotations["retrain.dev/data-window-end"] = v;

  json job_spec = {
      {"backoffLimit", 0},  // the orchestrator decides about further attempts
      {"completions", 1},
      {"parallelism", 1},
      {"template",
       {{"metadata", {{"labels", pod_labels}, {"annotations", annotations}}}, {"spec", pod_spec}}},
  };
  if (spec.timeout_ms > 0) job_spec["activeDeadlineSeconds"] = (spec.timeout_ms + 999) / 1000;
  if (options.ttl_seconds_after_finished >= 0)
    job_spec["ttlSecondsAfterFinished"] = options.ttl_seconds_after_finished;

  return json{{"apiVersion", "batch/v1"},
              {"kind", "Job"},
              {"metadata",
               {{"name", job_name},
                {"namespace", options.namespace_},
                {"labels", Labels(spec)},
                {"annotations", annotations}}},
              {"spec", job_spec}};
}

json BuildTokenSecret(const ExecSpec& spec, const std::string& job_name,
                      const std::string& namespace_, const std::string& owner_uid) {
  json metadata = {{"name", TokenSecretName(job_name)},
                   {"namespace", namespace_},
                   {"labels", Labels(spec)},
                   {"annotations", {{"retrain.dev/job-name", job_name}}}};
  if (!owner_uid.empty()) {
    metadata["ownerReferences"] = json::array({{{"apiVersion", "batch/v1"},
                                                {"kind", "Job"},
                                                {"name", job_name},
                                                {"uid", owner_uid},
                                                {"blockOwnerDeletion", false}}});
  }
  return json{{"apiVersion", "v1"},
              {"kind", "Secret"},
              {"type", "Opaque"},
              {"metadata", metadata},
              {"stringData", {{kTokenSecretKey, spec.callback_token}}}};
}

ExecObservation ObservationFromJob(const json& job) {
  ExecObservation obs{ExecPhase::kRunning, ""};
  std::string name = job.contains("metadata") ? job["metadata"].value("name", "") : "";
  if (!job.contains("status") || !job["status"].is_object()) return obs;
  const json& status = job["status"];
  if (!status.contains("conditions") || !status["conditions"].is_array()) return obs;
  for (const auto& c : status["conditions"]) {
    if (c.value("status", "") != "True") continue;
    std::string type = c.value("type", "");
    if (type == "Complete") return {ExecPhase::kSucceeded, ""};
    if (type == "Failed") {
      std::string reason = c.value("reason", "");
      std::string message = c.value("message", "");
      std::string text = "Kubernetes Job " + name + " failed";
      if (!reason.empty()) text += " (" + reason + ")";
      if (!message.empty()) text += ": " + message;
      return {ExecPhase::kFailed, text};
    }
  }
  return obs;
}

}  // namespace retrain
