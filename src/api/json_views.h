#pragma once
// The API's JSON shapes (CONTRACT section 3): Job, Event, error bodies. Internal to src/api.

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/job.h"
#include "http/server.h"
#include "orchestrator/champions.h"

namespace retrain {

nlohmann::json JobJson(const Job& job);
nlohmann::json EventJson(const JobEvent& ev);
nlohmann::json ErrorJson(const Error& e);
// A promotion history entry: {seq, modelId, version, previousVersion, source, reason, jobId,
// from, to, current}.
nlohmann::json ChampionPeriodJson(const ChampionPeriod& period);
// The answer to a promote or rollback: {changed, message, champion: ChampionPeriodJson}.
nlohmann::json ChampionMoveJson(const ChampionMove& move);
// A JSON response with `status`.
Response JsonResponse(int status, const nlohmann::json& body);
// The error response for `e` (status from HttpStatusFor, 422 for kUnprocessable, ...).
Response ErrorResponse(const Error& e);
Response ErrorResponse(int status, const std::string& code, const std::string& message);

}  // namespace retrain
