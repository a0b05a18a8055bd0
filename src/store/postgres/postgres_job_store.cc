#include "store/postgres/postgres_job_store.h"

#include <algorithm>
#include <cstdio>
#include <functional>
#include <vector>

#include "store/fenced_view.h"
#include "store/job_codec.h"
#include "store/postgres/pg_pool.h"
#include "store/postgres/postgres_schema.h"

namespace retrain {

namespace {

using pg::Conn;
using pg::Param;
using pg::Rows;

constexpr const char* kMigrationLockKey = "7310585017263453729";  // pg_advisory_lock key
constexpr int kTxAttempts = 5;

template <typename T>
std::unexpected<Error> Err(const Result<T>& r) {
  return std::unexpected(r.error());
}

std::string Num(int64_t v) { return std::to_string(v); }
std::string Num(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}
Param Num(const std::optional<int64_t>& v) { return v ? Param(Num(*v)) : std::nullopt; }
std::string Str(JobStatus s) { return std::string(ToString(s)); }

bool NeedsSync(const Job& job) { return IsTerminal(job.status) && !job.tracking_finalized; }

// Whether a failed transaction should run again from the start: a lost race (serialization
// failure, deadlock) or a unique violation whose winner the next attempt will see.
bool Retryable(const Error& e) {
  return (e.code == ErrorCode::kAborted && e.api_code == "serialization_failure") ||
         (e.code == ErrorCode::kAlreadyExists && e.api_code == "unique_violation");
}

constexpr const char* kActiveSql =
    "SELECT seq, data FROM jobs WHERE model_id = $1 AND status IN ('pending', 'scheduled', "
    "'running')";
constexpr const char* kPromotionCols =
    "SELECT seq, model_id, version, previous_version, at, source, reason, job_id FROM promotions ";

class PostgresJobStoreImpl final : public JobStore {
 public:
  PostgresJobStoreImpl(std::unique_ptr<pg::Pool> pool, const Clock& clock)
      : pool_(std::move(pool)), clock_(clock) {}

  Result<Job> CreateJob(const Job& input, const std::optional<std::string>& idem_key,
                        bool* replayed) override {
    return CreateJobAs(nullptr, input, idem_key, replayed);
  }

  Result<Job> UpdateJob(const std::string& id,
                        const std::function<Status(Job&, JobUpdate&)>& mutate) override {
    return UpdateJobAs(nullptr, id, mutate);
  }

  Result<Promotion> AppendPromotion(const Promotion& input, bool* appended) override {
    return AppendPromotionAs(nullptr, input, appended);
  }

  Result<std::string> PutSettingIfAbsent(const std::string& key,
                                         const std::string& value) override {
    return PutSettingIfAbsentAs(nullptr, key, value);
  }

  std::unique_ptr<JobStore> Fenced(const Fence& fence) override {
    return std::make_unique<FencedView<PostgresJobStoreImpl>>(*this, fence);
  }

  Result<Lease> AcquireLease(const LeaseRequest& r) override {
    return InTx<Lease>([&](Conn& c) -> Result<Lease> {
      // The row first (a never-held lease: holder ""), so that FOR UPDATE has a row to lock and
      // serializes every take, the first ones included.
      auto ins = c.Exec(
          "INSERT INTO leases (name, holder, epoch, expires_ms) VALUES ($1, '', 0, 0) "
          "ON CONFLICT (name) DO NOTHING",
          {r.name});
      if (!ins) return Err(ins);
      auto found = LeaseOn(c, r.name, true);
      if (!found) return Err(found);
      const int64_t now = clock_.NowMs();
      Lease lease = found->value_or(Lease{r.name, "", 0, 0});
      if (!GrantsLease(lease, r, now)) return lease;
      if (!r.renew_epoch) ++lease.epoch;
      lease.holder = r.holder;
      lease.expires_ms = now + r.duration_ms;
      auto up = c.Exec("UPDATE leases SET holder = $2, epoch = $3, expires_ms = $4 WHERE name = $1",
                       {lease.name, lease.holder, Num(lease.epoch), Num(lease.expires_ms)});
      if (!up) return Err(up);
      return lease;
    });
  }

  Status ReleaseLease(const std::string& name, const std::string& holder, int64_t epoch) override {
    auto r = WithConn<bool>([&](Conn& c) -> Result<bool> {
      auto up =
          c.Exec("UPDATE leases SET expires_ms = $1 WHERE name = $2 AND holder = $3 AND epoch = $4",
                 {Num(clock_.NowMs()), name, holder, Num(epoch)});
      if (!up) return Err(up);
      return true;
    });
    if (!r) return std::unexpected(r.error());
    return {};
  }

  Result<std::optional<Lease>> GetLease(const std::string& name) override {
    return WithConn<std::optional<Lease>>([&](Conn& c) -> Result<std::optional<Lease>> {
      auto lease = LeaseOn(c, name, false);
      if (lease && *lease && (*lease)->holder.empty()) return std::optional<Lease>();
      return lease;
    });
  }

  Result<Job> CreateJobAs(const Fence* fence, const Job& input,
                          const std::optional<std::string>& idem_key, bool* replayed) {
    if (replayed) *replayed = false;
    return InTx<Job>([&](Conn& c) -> Result<Job> {
      if (replayed) *replayed = false;
      if (auto f = CheckFence(c, fence); !f) return std::unexpected(f.error());
      // The model's row lock serializes every creation and completion of this model.
      auto state = LockModel(c, input.model_id);
      if (!state) return Err(state);
      if (idem_key) {
        auto k = c.Exec("SELECT job_id FROM idempotency_keys WHERE key = $1", {*idem_key});
        if (!k) return Err(k);
        if (k->size() > 0) {
          if (replayed) *replayed = true;
          return GetJobOn(c, k->Text(0, 0));
        }
      }
      auto active = ActiveJobOn(c, input.model_id);
      if (!active) return Err(active);
      if (*active) {
        Error e =
            Fail(ErrorCode::kFailedPrecondition,
                 "model " + input.model_id + " already has an active job (" + (*active)->id + ")",
                 "job_active")
                .error();
        e.With("jobId", (*active)->id);
        return std::unexpected(e);
      }
      if (state->watermark != input.window.after) {
        return Fail(
            ErrorCode::kAborted,
            "the watermark of model " + input.model_id + " moved while the job was prepared",
            "watermark_moved");
      }
      Job job = input;
      job.status = JobStatus::kPending;
      job.updated_at_ms = clock_.NowMs();
      auto ins = c.Exec(
          "INSERT INTO jobs (id, model_id, status, needs_sync, data) VALUES ($1, $2, $3, $4, $5) "
          "RETURNING seq",
          {job.id, job.model_id, Str(job.status), NeedsSync(job) ? "true" : "false",
           EncodeJob(job)});
      if (!ins) return Err(ins);
      job.seq = ins->Int(0, 0);
      JobEvent first;
      first.seq = 1;
      first.at_ms = job.scheduled_at_ms;
      first.status = JobStatus::kPending;
      first.source = EventSource::kSystem;
      first.message = "job created (" + std::string(ToString(job.trigger)) + " trigger, " +
                      std::to_string(job.window.records) + " records)";
      if (auto s = InsertEvent(c, job.id, first); !s) return std::unexpected(s.error());
      if (idem_key) {
        auto k =
            c.Exec("INSERT INTO idempotency_keys (key, job_id, created_ms) VALUES ($1, $2, $3)",
                   {*idem_key, job.id, Num(job.updated_at_ms)});
        if (!k) return Err(k);
      }
      return job;
    });
  }

  Result<std::optional<Job>> FindByIdempotencyKey(const std::string& key) override {
    return WithConn<std::optional<Job>>([&](Conn& c) -> Result<std::optional<Job>> {
      auto k = c.Exec(
          "SELECT j.seq, j.data FROM idempotency_keys k JOIN jobs j ON j.id = k.job_id "
          "WHERE k.key = $1",
          {key});
      if (!k) return Err(k);
      auto jobs = ReadJobs(*k);
      if (!jobs) return Err(jobs);
      if (jobs->empty()) return std::optional<Job>();
      return std::optional<Job>(std::move(jobs->front()));
    });
  }

  Result<Job> GetJob(const std::string& id) override {
    return WithConn<Job>([&](Conn& c) { return GetJobOn(c, id); });
  }

  Result<JobPage> ListJobs(const JobFilter& f) override {
    return WithConn<JobPage>([&](Conn& c) -> Result<JobPage> {
      std::string sql = "SELECT seq, data FROM jobs WHERE seq < $1";
      std::vector<Param> params = {Num(f.before_seq.value_or(INT64_MAX))};
      if (f.model_id) {
        params.push_back(*f.model_id);
        sql += " AND model_id = $" + std::to_string(params.size());
      }
      if (f.status) {
        params.push_back(Str(*f.status));
        sql += " AND status = $" + std::to_string(params.size());
      }
      params.push_back(Num(static_cast<int64_t>(f.limit) + 1));
      sql += " ORDER BY seq DESC LIMIT $" + std::to_string(params.size());
      auto rows = c.Exec(sql, params);
      if (!rows) return Err(rows);
      auto jobs = ReadJobs(*rows);
      if (!jobs) return Err(jobs);
      return PageOf(std::move(*jobs), f.limit);
    });
  }

  Result<std::vector<Job>> ListActiveJobs() override {
    return Query(
        "SELECT seq, data FROM jobs WHERE status IN ('pending', 'scheduled', 'running') "
        "ORDER BY seq",
        {});
  }

  Result<std::vector<Job>> ListJobsNeedingSync() override {
    return Query("SELECT seq, data FROM jobs WHERE needs_sync ORDER BY seq", {});
  }

  Result<std::optional<Job>> ActiveJob(const std::string& model_id) override {
    return WithConn<std::optional<Job>>([&](Conn& c) { return ActiveJobOn(c, model_id); });
  }

  Result<std::optional<Job>> LastJob(const std::string& model_id) override {
    auto jobs = Query("SELECT seq, data FROM jobs WHERE model_id = $1 ORDER BY seq DESC LIMIT 1",
                      {model_id});
    if (!jobs) return Err(jobs);
    if (jobs->empty()) return std::optional<Job>();
    return std::optional<Job>(std::move(jobs->front()));
  }

  Result<ModelState> GetModelState(const std::string& model_id) override {
    return WithConn<ModelState>([&](Conn& c) -> Result<ModelState> {
      auto rows = c.Exec("SELECT watermark, watermark_landed_ms FROM models WHERE model_id = $1",
                         {model_id});
      if (!rows) return Err(rows);
      return StateFrom(*rows, model_id);
    });
  }

  Result<Job> UpdateJobAs(const Fence* fence, const std::string& id,
                          const std::function<Status(Job&, JobUpdate&)>& mutate) {
    return InTx<Job>([&](Conn& c) -> Result<Job> {
      if (auto f = CheckFence(c, fence); !f) return std::unexpected(f.error());
      auto rows = c.Exec("SELECT seq, data FROM jobs WHERE id = $1 FOR UPDATE", {id});
      if (!rows) return Err(rows);
      auto found = ReadJobs(*rows);
      if (!found) return Err(found);
      if (found->empty()) return NotFound(id);
      const Job current = found->front();
      Job job = current;
      JobUpdate update;
      if (auto s = mutate(job, update); !s) return std::unexpected(s.error());
      JobStatus prev = current.status;
      std::vector<JobStatus> steps;
      for (const auto& ev : update.events)
        if (ev.status) steps.push_back(*ev.status);
      steps.push_back(job.status);
      for (JobStatus next : steps) {
        if (next == prev) continue;
        if (!CanTransition(prev, next)) {
          Error e = Fail(ErrorCode::kFailedPrecondition,
                         "job " + id + " cannot go from " + Str(prev) + " to " + Str(next),
                         "invalid_transition")
                        .error();
          e.With("from", Str(prev));
          e.With("to", Str(next));
          return std::unexpected(e);
        }
        prev = next;
      }
      if (update.events.empty() && EncodeJob(job) == EncodeJob(current)) return job;
      int64_t now = clock_.NowMs();
      job.updated_at_ms = now;
      job.id = current.id;
      job.model_id = current.model_id;
      job.seq = current.seq;
      auto up = c.Exec("UPDATE jobs SET status = $1, needs_sync = $2, data = $3 WHERE id = $4",
                       {Str(job.status), NeedsSync(job) ? "true" : "false", EncodeJob(job), id});
      if (!up) return Err(up);
      if (!update.events.empty()) {
        auto last = c.Exec("SELECT COALESCE(MAX(seq), 0) FROM job_events WHERE job_id = $1", {id});
        if (!last) return Err(last);
        int64_t seq = last->Int(0, 0);
        for (auto& ev : update.events) {
          ev.seq = ++seq;
          if (ev.at_ms == 0) ev.at_ms = now;
          if (auto s = InsertEvent(c, id, ev); !s) return std::unexpected(s.error());
        }
      }
      if (job.status == JobStatus::kCompleted && current.status != JobStatus::kCompleted) {
        auto w = c.Exec(
            "INSERT INTO models (model_id, watermark, watermark_landed_ms) VALUES ($1, $2, $3) "
            "ON CONFLICT (model_id) DO UPDATE SET watermark = excluded.watermark, "
            "watermark_landed_ms = excluded.watermark_landed_ms",
            {job.model_id, job.window.upto, Num(job.window.end_ms)});
        if (!w) return Err(w);
      }
      return job;
    });
  }

  Result<std::vector<JobEvent>> ListEvents(const std::string& id, int64_t after_seq) override {
    return WithConn<std::vector<JobEvent>>([&](Conn& c) -> Result<std::vector<JobEvent>> {
      if (auto j = GetJobOn(c, id); !j) return Err(j);
      return ReadEvents(c, id, after_seq);
    });
  }

  Result<std::vector<std::pair<std::string, std::vector<JobEvent>>>> ListEventsForJobs(
      const std::vector<std::string>& ids) override {
    using Out = std::vector<std::pair<std::string, std::vector<JobEvent>>>;
    return WithConn<Out>([&](Conn& c) -> Result<Out> {
      Out out;
      for (const auto& id : ids) {
        auto evs = ReadEvents(c, id, 0);
        if (!evs) return Err(evs);
        out.emplace_back(id, std::move(*evs));
      }
      return out;
    });
  }

  Result<std::optional<std::string>> GetSetting(const std::string& key) override {
    return WithConn<std::optional<std::string>>([&](Conn& c) -> Result<std::optional<std::string>> {
      auto rows = c.Exec("SELECT value FROM settings WHERE key = $1", {key});
      if (!rows) return Err(rows);
      if (rows->size() == 0) return std::optional<std::string>();
      return std::optional<std::string>(rows->Text(0, 0));
    });
  }

  Result<std::string> PutSettingIfAbsentAs(const Fence* fence, const std::string& key,
                                           const std::string& value) {
    return InTx<std::string>([&](Conn& c) -> Result<std::string> {
      if (auto f = CheckFence(c, fence); !f) return std::unexpected(f.error());
      auto ins =
          c.Exec("INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
                 {key, value});
      if (!ins) return Err(ins);
      auto rows = c.Exec("SELECT value FROM settings WHERE key = $1", {key});
      if (!rows) return Err(rows);
      return rows->size() > 0 ? rows->Text(0, 0) : value;
    });
  }

  Result<Promotion> AppendPromotionAs(const Fence* fence, const Promotion& input, bool* appended) {
    if (appended) *appended = false;
    return InTx<Promotion>([&](Conn& c) -> Result<Promotion> {
      if (appended) *appended = false;
      if (auto f = CheckFence(c, fence); !f) return std::unexpected(f.error());
      // The model's row lock orders appends, so previous_version is the entry before.
      if (auto s = LockModel(c, input.model_id); !s) return Err(s);
      if (input.job_id) {
        auto rows = c.Exec(std::string(kPromotionCols) + "WHERE job_id = $1", {*input.job_id});
        if (!rows) return Err(rows);
        auto found = ReadPromotions(*rows);
        if (!found.empty()) return std::move(found.front());
      }
      Promotion p = input;
      if (!p.previous_version) {
        auto rows =
            c.Exec("SELECT version FROM promotions WHERE model_id = $1 ORDER BY seq DESC LIMIT 1",
                   {p.model_id});
        if (!rows) return Err(rows);
        if (rows->size() > 0 && rows->Text(0, 0) != p.version)
          p.previous_version = rows->Text(0, 0);
      }
      auto ins = c.Exec(
          "INSERT INTO promotions (model_id, version, previous_version, at, source, reason, "
          "job_id) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING seq",
          {p.model_id, p.version, p.previous_version, Num(p.at_ms), std::string(ToString(p.source)),
           p.reason, p.job_id});
      if (!ins) return Err(ins);
      p.seq = ins->Int(0, 0);
      if (appended) *appended = true;
      return p;
    });
  }

  Result<std::vector<Promotion>> ListPromotions(const std::string& model_id, int limit) override {
    return WithConn<std::vector<Promotion>>([&](Conn& c) -> Result<std::vector<Promotion>> {
      auto rows =
          c.Exec(std::string(kPromotionCols) + "WHERE model_id = $1 ORDER BY seq DESC LIMIT $2",
                 {model_id, Num(static_cast<int64_t>(std::max(limit, 0)))});
      if (!rows) return Err(rows);
      return ReadPromotions(*rows);
    });
  }

  Status Ping() override {
    auto r = WithConn<bool>([&](Conn& c) -> Result<bool> {
      auto rows = c.Exec("SELECT 1");
      if (!rows) return Err(rows);
      return true;
    });
    if (!r) return std::unexpected(r.error());
    return {};
  }

 private:
  static Result<std::optional<Lease>> LeaseOn(Conn& c, const std::string& name, bool lock) {
    auto rows = c.Exec(std::string("SELECT holder, epoch, expires_ms FROM leases WHERE name = $1") +
                           (lock ? " FOR UPDATE" : ""),
                       {name});
    if (!rows) return Err(rows);
    if (rows->size() == 0) return std::optional<Lease>();
    return std::optional<Lease>(Lease{name, rows->Text(0, 0), rows->Int(0, 1), rows->Int(0, 2)});
  }

  // Inside a write's transaction: the fence's epoch is still the lease's (no fence: no check).
  // FOR SHARE holds off a take of the lease until this transaction ends, so no newer epoch can
  // exist before the write commits.
  static Status CheckFence(Conn& c, const Fence* fence) {
    if (!fence) return {};
    const int64_t held = fence->epoch();
    auto rows = c.Exec("SELECT epoch FROM leases WHERE name = $1 FOR SHARE", {fence->lease()});
    if (!rows) return std::unexpected(rows.error());
    const int64_t current = rows->size() > 0 ? rows->Int(0, 0) : 0;
    if (held == 0 || current != held)
      return std::unexpected(NotLeader(fence->lease(), held, current));
    return {};
  }

  // Runs `fn` (reads, or single statements that commit alone) on a pooled connection. A pooled
  // connection that the server dropped since its last use (a restart) fails on first use; that
  // call runs once more on a fresh connection.
  template <typename T>
  Result<T> WithConn(const std::function<Result<T>(Conn&)>& fn) {
    for (int attempt = 1;; ++attempt) {
      auto lease = pool_->Acquire();
      if (!lease) return std::unexpected(lease.error());
      auto r = fn(**lease);
      if (!r && attempt == 1 && r.error().api_code == "store_unavailable" && !(*lease)->ok()) {
        continue;
      }
      return r;
    }
  }

  // Runs `fn` in one transaction, from the start again when it lost a race. Nothing of a
  // failed attempt is kept: the transaction is rolled back (or its connection dropped).
  template <typename T>
  Result<T> InTx(const std::function<Result<T>(Conn&)>& fn) {
    for (int attempt = 1;; ++attempt) {
      auto lease = pool_->Acquire();
      if (!lease) return std::unexpected(lease.error());
      Conn& c = **lease;
      if (auto b = c.Exec("BEGIN"); !b) {
        if (attempt == 1 && b.error().api_code == "store_unavailable") continue;  // stale
        return Err(b);
      }
      auto r = fn(c);
      if (r) {
        auto done = c.Exec("COMMIT");
        if (done) return r;
        if (attempt < kTxAttempts && Retryable(done.error())) continue;
        return Err(done);
      }
      (void)c.Exec("ROLLBACK");
      if (attempt < kTxAttempts && Retryable(r.error())) continue;
      return r;
    }
  }

  Result<std::vector<Job>> Query(const std::string& sql, const std::vector<Param>& params) {
    return WithConn<std::vector<Job>>([&](Conn& c) -> Result<std::vector<Job>> {
      auto rows = c.Exec(sql, params);
      if (!rows) return Err(rows);
      return ReadJobs(*rows);
    });
  }

  // Makes sure the model has a row and locks it until the transaction ends; returns its state.
  static Result<ModelState> LockModel(Conn& c, const std::string& model_id) {
    auto ins = c.Exec("INSERT INTO models (model_id) VALUES ($1) ON CONFLICT (model_id) DO NOTHING",
                      {model_id});
    if (!ins) return Err(ins);
    auto rows =
        c.Exec("SELECT watermark, watermark_landed_ms FROM models WHERE model_id = $1 FOR UPDATE",
               {model_id});
    if (!rows) return Err(rows);
    return StateFrom(*rows, model_id);
  }

  static ModelState StateFrom(const Rows& rows, const std::string& model_id) {
    ModelState st;
    st.model_id = model_id;
    if (rows.size() > 0) {
      st.watermark = rows.Text(0, 0);
      if (!rows.IsNull(0, 1)) st.watermark_landed_ms = rows.Int(0, 1);
    }
    return st;
  }

  static std::unexpected<Error> NotFound(const std::string& id) {
    Error e = Fail(ErrorCode::kNotFound, "no job with id '" + id + "'", "job_not_found").error();
    e.With("jobId", id);
    return std::unexpected(e);
  }

  static Result<Job> GetJobOn(Conn& c, const std::string& id) {
    auto rows = c.Exec("SELECT seq, data FROM jobs WHERE id = $1", {id});
    if (!rows) return Err(rows);
    auto jobs = ReadJobs(*rows);
    if (!jobs) return Err(jobs);
    if (jobs->empty()) return NotFound(id);
    return std::move(jobs->front());
  }

  static Result<std::optional<Job>> ActiveJobOn(Conn& c, const std::string& model_id) {
    auto rows = c.Exec(kActiveSql, {model_id});
    if (!rows) return Err(rows);
    auto jobs = ReadJobs(*rows);
    if (!jobs) return Err(jobs);
    if (jobs->empty()) return std::optional<Job>();
    return std::optional<Job>(std::move(jobs->front()));
  }

  static Result<std::vector<Job>> ReadJobs(const Rows& rows) {
    std::vector<Job> out;
    out.reserve(static_cast<size_t>(rows.size()));
    for (int i = 0; i < rows.size(); ++i) {
      auto job = DecodeJob(rows.Text(i, 1));
      if (!job) return Err(job);
      job->seq = rows.Int(i, 0);
      out.push_back(std::move(*job));
    }
    return out;
  }

  static std::vector<Promotion> ReadPromotions(const Rows& rows) {
    std::vector<Promotion> out;
    for (int i = 0; i < rows.size(); ++i) {
      Promotion p;
      p.seq = rows.Int(i, 0);
      p.model_id = rows.Text(i, 1);
      p.version = rows.Text(i, 2);
      if (!rows.IsNull(i, 3)) p.previous_version = rows.Text(i, 3);
      p.at_ms = rows.Int(i, 4);
      p.source = ParsePromotionSource(rows.Text(i, 5)).value_or(PromotionSource::kAutomatic);
      p.reason = rows.Text(i, 6);
      if (!rows.IsNull(i, 7)) p.job_id = rows.Text(i, 7);
      out.push_back(std::move(p));
    }
    return out;
  }

  static Status InsertEvent(Conn& c, const std::string& job_id, const JobEvent& ev) {
    auto r = c.Exec(
        "INSERT INTO job_events (job_id, seq, at, status, progress, message, metrics, source) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        {job_id, Num(ev.seq), Num(ev.at_ms), ev.status ? Param(Str(*ev.status)) : std::nullopt,
         ev.progress ? Param(Num(*ev.progress)) : std::nullopt, ev.message,
         ev.metrics.empty() ? std::nullopt : Param(EncodeMetrics(ev.metrics)),
         std::string(ToString(ev.source))});
    if (!r) return std::unexpected(r.error());
    return {};
  }

  static Result<std::vector<JobEvent>> ReadEvents(Conn& c, const std::string& id,
                                                  int64_t after_seq) {
    auto rows = c.Exec(
        "SELECT seq, at, status, progress, message, metrics, source FROM job_events "
        "WHERE job_id = $1 AND seq > $2 ORDER BY seq",
        {id, Num(after_seq)});
    if (!rows) return Err(rows);
    std::vector<JobEvent> out;
    for (int i = 0; i < rows->size(); ++i) {
      JobEvent ev;
      ev.seq = rows->Int(i, 0);
      ev.at_ms = rows->Int(i, 1);
      if (!rows->IsNull(i, 2)) ev.status = ParseStatus(rows->Text(i, 2));
      if (!rows->IsNull(i, 3)) ev.progress = rows->Double(i, 3);
      if (!rows->IsNull(i, 4)) ev.message = rows->Text(i, 4);
      if (!rows->IsNull(i, 5)) {
        auto m = DecodeMetrics(rows->Text(i, 5));
        if (!m) return Err(m);
        ev.metrics = std::move(*m);
      }
      std::string src = rows->Text(i, 6);
      ev.source = src == "worker"     ? EventSource::kWorker
                  : src == "executor" ? EventSource::kExecutor
                  : src == "api"      ? EventSource::kApi
                                      : EventSource::kSystem;
      out.push_back(std::move(ev));
    }
    return out;
  }

  std::unique_ptr<pg::Pool> pool_;
  const Clock& clock_;
};

// Applies the missing migrations while holding the schema advisory lock.
Status MigrateLocked(Conn& c) {
  if (auto r = c.Exec("CREATE TABLE IF NOT EXISTS retrain_schema (version INTEGER NOT NULL)"); !r)
    return std::unexpected(r.error());
  auto v = c.Exec("SELECT COALESCE(MAX(version), 0) FROM retrain_schema");
  if (!v) return std::unexpected(v.error());
  int64_t have = v->Int(0, 0);
  const auto& migrations = pg::Migrations();
  const auto known = static_cast<int64_t>(migrations.size());
  if (have > known) {
    Error e = Fail(ErrorCode::kFailedPrecondition,
                   "the PostgreSQL database is at schema version " + std::to_string(have) +
                       ", newer than this binary knows (" + std::to_string(known) +
                       "); run a newer retrain",
                   "schema_too_new")
                  .error();
    e.With("schemaVersion", have);
    e.With("supportedVersion", known);
    return std::unexpected(e);
  }
  for (int64_t n = have + 1; n <= known; ++n) {
    if (auto b = c.Exec("BEGIN"); !b) return std::unexpected(b.error());
    for (const auto& stmt : migrations[static_cast<size_t>(n - 1)]) {
      if (auto r = c.Exec(stmt); !r) {
        (void)c.Exec("ROLLBACK");
        return std::unexpected(r.error());
      }
    }
    auto rec = c.Exec("INSERT INTO retrain_schema (version) VALUES ($1)", {std::to_string(n)});
    if (!rec) {
      (void)c.Exec("ROLLBACK");
      return std::unexpected(rec.error());
    }
    if (auto r = c.Exec("COMMIT"); !r) return std::unexpected(r.error());
  }
  return {};
}

}  // namespace

int PostgresSchemaVersion() { return static_cast<int>(pg::Migrations().size()); }

Result<std::unique_ptr<JobStore>> OpenPostgresJobStore(const PostgresStoreOptions& options,
                                                       const Clock& clock) {
  pg::ConnectOptions co;
  co.uri = options.uri;
  co.password = options.password;
  co.connect_timeout_s = options.connect_timeout_s;
  auto pool = std::make_unique<pg::Pool>(co, std::max<size_t>(options.pool_size, 1));
  {
    auto lease = pool->Acquire();
    if (!lease) return std::unexpected(lease.error());
    if (auto l = (*lease)->Exec("SELECT pg_advisory_lock($1)", {kMigrationLockKey}); !l)
      return std::unexpected(l.error());
    Status migrated = MigrateLocked(**lease);
    if (!migrated && migrated.error().api_code == "schema_too_new") {
      migrated.error().message = pool->Describe() + ": " + migrated.error().message;
    }
    auto unlock = (*lease)->Exec("SELECT pg_advisory_unlock($1)", {kMigrationLockKey});
    if (!migrated) return std::unexpected(migrated.error());
    if (!unlock) return std::unexpected(unlock.error());
  }
  return std::unique_ptr<JobStore>(new PostgresJobStoreImpl(std::move(pool), clock));
}

}  // namespace retrain
