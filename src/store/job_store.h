#pragma once
// The durable job store: jobs, their append-only events, per-model watermarks, idempotency
// keys, each model's promotion history (the moves of its `champion` alias) and the leader lease
// of the replicas sharing the store. Everything the orchestrator knows lives here; every write is
// durable before the call returns. Implementations are thread-safe.
//
// The store enforces the invariants that must hold even under races:
//   - at most one active (pending|scheduled|running) job per model;
//   - a job is created only if the model's watermark is still the one its window starts at;
//   - status changes follow the transition table (core/status.h);
//   - a model's watermark moves to a job's window end in the same transaction that marks the
//     job completed, and never otherwise.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/error.h"
#include "core/job.h"
#include "core/promotion.h"

namespace retrain {

struct JobFilter {
  std::optional<std::string> model_id;
  std::optional<JobStatus> status;
  int limit = 50;
  std::optional<int64_t> before_seq;  // keyset cursor: jobs with seq < before_seq
};

struct JobPage {
  std::vector<Job> jobs;                   // newest first
  std::optional<int64_t> next_before_seq;  // set when more jobs follow
};

// The page of a keyset query that asked for limit + 1 rows, newest first: at most `limit` jobs,
// with next_before_seq set when the extra row shows that more follow.
inline JobPage PageOf(std::vector<Job> rows, int limit) {
  JobPage page;
  page.jobs = std::move(rows);
  if (static_cast<int>(page.jobs.size()) > limit) {
    page.jobs.resize(static_cast<size_t>(limit));
    page.next_before_seq = page.jobs.back().seq;
  }
  return page;
}

struct ModelState {
  std::string model_id;
  std::string watermark;  // cursor of the last record trained on ("" = none yet)
  std::optional<int64_t> watermark_landed_ms;
};

// What an UpdateJob mutation may append besides changing the job.
struct JobUpdate {
  std::vector<JobEvent> events;  // seq and at are assigned by the store when 0
};

// A named lease in the store: which replica leads, until when, and the epoch of its tenure.
struct Lease {
  std::string name;
  std::string holder;      // the replica id; "" when never held
  int64_t epoch = 0;       // +1 at every take (never at a renewal): the fencing token
  int64_t expires_ms = 0;  // store clock; at or after it the lease is free to take
};

struct LeaseRequest {
  std::string name;
  std::string holder;
  int64_t duration_ms = 15'000;
  // Renew the tenure at this epoch: extended only while `holder` still holds exactly it (expired
  // or not — nobody took it since). Unset: take the lease when it is free, expired or held by
  // `holder` already, starting a new epoch.
  std::optional<int64_t> renew_epoch;
  // Take it even from a live holder: for a store only one process can use (the embedded one,
  // behind the data directory's lock), where a holder other than the caller is a dead process.
  bool force = false;
};

// The epoch a leader holds, shared by whoever takes the lease (it sets the epoch) and the fenced
// store views that check it (JobStore::Fenced). 0 = not leading: every fenced write is refused.
class Fence {
 public:
  explicit Fence(std::string lease) : lease_(std::move(lease)) {}
  const std::string& lease() const { return lease_; }
  int64_t epoch() const { return epoch_.load(std::memory_order_acquire); }
  void Set(int64_t epoch) { epoch_.store(epoch, std::memory_order_release); }

 private:
  const std::string lease_;
  std::atomic<int64_t> epoch_{0};
};

class JobStore {
 public:
  virtual ~JobStore() = default;

  // Inserts `job` (status pending) if the model has no active job and its watermark equals
  // `job.window.after`. With an idempotency key already used, returns the job created under
  // it instead (and sets *replayed when given). The first event ("pending") is appended.
  // Errors: kFailedPrecondition "job_active" (details jobId) when another job is active;
  // kAborted "watermark_moved" when the watermark changed since the window was read.
  [[nodiscard]] virtual Result<Job> CreateJob(const Job& job,
                                              const std::optional<std::string>& idempotency_key,
                                              bool* replayed = nullptr) = 0;

  // The job created under an idempotency key, if any.
  [[nodiscard]] virtual Result<std::optional<Job>> FindByIdempotencyKey(const std::string& key) = 0;

  // Errors: kNotFound "job_not_found".
  [[nodiscard]] virtual Result<Job> GetJob(const std::string& id) = 0;
  [[nodiscard]] virtual Result<JobPage> ListJobs(const JobFilter& filter) = 0;
  [[nodiscard]] virtual Result<std::vector<Job>> ListActiveJobs() = 0;
  // Jobs whose tracker state still lags their status (terminal but not finalized, or events
  // not yet mirrored); the reconciler drains these.
  [[nodiscard]] virtual Result<std::vector<Job>> ListJobsNeedingSync() = 0;
  [[nodiscard]] virtual Result<std::optional<Job>> ActiveJob(const std::string& model_id) = 0;
  [[nodiscard]] virtual Result<std::optional<Job>> LastJob(const std::string& model_id) = 0;
  [[nodiscard]] virtual Result<ModelState> GetModelState(const std::string& model_id) = 0;

  // Read-modify-write of one job in one transaction: loads the job, calls `mutate` on a copy,
  // validates the status change against the transition table, persists the job and the events
  // the mutation appended, and (when the job became completed) moves the model's watermark.
  // `mutate` may return an error to abort without writing. Returns the stored job.
  // Errors: kNotFound "job_not_found"; kFailedPrecondition "invalid_transition" (details from,
  // to); whatever `mutate` returns.
  [[nodiscard]] virtual Result<Job> UpdateJob(
      const std::string& id, const std::function<Status(Job&, JobUpdate&)>& mutate) = 0;

  // Events of a job with seq > after_seq, oldest first. Errors: kNotFound "job_not_found".
  [[nodiscard]] virtual Result<std::vector<JobEvent>> ListEvents(const std::string& id,
                                                                 int64_t after_seq = 0) = 0;
  // Events of several jobs at once (batched loading for GraphQL), keyed by job id.
  [[nodiscard]] virtual Result<std::vector<std::pair<std::string, std::vector<JobEvent>>>>
  ListEventsForJobs(const std::vector<std::string>& ids) = 0;

  // A small key/value area for orchestrator settings (e.g. the generated callback secret).
  [[nodiscard]] virtual Result<std::optional<std::string>> GetSetting(const std::string& key) = 0;
  // Stores `value` unless the key is set; returns the value in force.
  [[nodiscard]] virtual Result<std::string> PutSettingIfAbsent(const std::string& key,
                                                               const std::string& value) = 0;

  // Appends a move of `promotion.model_id`'s champion alias; seq is assigned. When
  // `previous_version` is not set, the store fills it, in the same transaction, with the
  // version of the model's newest entry (if any, and unless it is the version appended). An entry
  // with a job id is appended at most once per job: appending another for the same job id returns
  // the stored one and sets *appended to false (when given), so a retried finalize of a job cannot
  // record it twice.
  [[nodiscard]] virtual Result<Promotion> AppendPromotion(const Promotion& promotion,
                                                          bool* appended = nullptr) = 0;
  // The model's promotion history, newest first, at most `limit` entries.
  [[nodiscard]] virtual Result<std::vector<Promotion>> ListPromotions(const std::string& model_id,
                                                                      int limit) = 0;

  // Takes or renews a lease (see LeaseRequest) and returns the lease in force afterwards: held by
  // another replica when the request was not granted. The epoch and the expiry are written in one
  // transaction, which fenced writes lock against (FOR SHARE), so a write that checked an epoch
  // commits before any newer epoch exists.
  [[nodiscard]] virtual Result<Lease> AcquireLease(const LeaseRequest& request) = 0;
  // Ends `holder`'s tenure at `epoch` now, so another replica may take the lease without waiting
  // for it to expire. No-op when it is no longer held so.
  [[nodiscard]] virtual Status ReleaseLease(const std::string& name, const std::string& holder,
                                            int64_t epoch) = 0;
  [[nodiscard]] virtual Result<std::optional<Lease>> GetLease(const std::string& name) = 0;

  // A view of this store whose writes (CreateJob, UpdateJob, AppendPromotion,
  // PutSettingIfAbsent) first check, inside their own transaction, that the lease fence.lease() is
  // still at fence.epoch(); otherwise they write nothing and fail with kFailedPrecondition
  // "not_leader". Reads and the lease calls pass through. The store and `fence` must outlive it.
  [[nodiscard]] virtual std::unique_ptr<JobStore> Fenced(const Fence& fence) = 0;

  [[nodiscard]] virtual Status Ping() = 0;
};

// Whether `request` is granted on `lease` (the stored one; holder "" when none) at `now`.
inline bool GrantsLease(const Lease& lease, const LeaseRequest& request, int64_t now) {
  if (request.renew_epoch)
    return lease.holder == request.holder && lease.epoch == *request.renew_epoch;
  return request.force || lease.holder.empty() || lease.holder == request.holder ||
         now >= lease.expires_ms;
}

// The refusal of a fenced write: the lease moved on (or was never held) since `held`.
inline Error NotLeader(const std::string& lease, int64_t held, int64_t current) {
  Error e =
      Fail(ErrorCode::kFailedPrecondition,
           held == 0 ? "this replica does not lead (lease " + lease + " is not held by it)"
                     : "this replica no longer leads: lease " + lease + " is at epoch " +
                           std::to_string(current) + ", it held epoch " + std::to_string(held),
           "not_leader")
          .error();
  e.With("lease", lease);
  return e;
}

}  // namespace retrain
