#include "store/sqlite/sqlite_job_store.h"

#include <algorithm>
#include <mutex>
#include <vector>

#include "sqlite/db.h"
#include "sqlite/group_commit.h"
#include "store/fenced_view.h"
#include "store/job_codec.h"

namespace retrain {

namespace {

const std::vector<std::string> kMigrations = {
    // 1: jobs, events, model watermarks, idempotency keys, settings.
    R"sql(
CREATE TABLE jobs (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  model_id TEXT NOT NULL,
  status TEXT NOT NULL,
  needs_sync INTEGER NOT NULL DEFAULT 0,
  data TEXT NOT NULL
);
CREATE INDEX jobs_by_model ON jobs(model_id, seq);
CREATE INDEX jobs_by_status ON jobs(status, seq);
CREATE INDEX jobs_by_model_status ON jobs(model_id, status, seq);
CREATE UNIQUE INDEX one_active_job_per_model ON jobs(model_id)
  WHERE status IN ('pending', 'scheduled', 'running');
CREATE INDEX jobs_needing_sync ON jobs(needs_sync) WHERE needs_sync = 1;
CREATE TABLE job_events (
  job_id TEXT NOT NULL REFERENCES jobs(id),
  seq INTEGER NOT NULL,
  at INTEGER NOT NULL,
  status TEXT,
  progress REAL,
  message TEXT,
  metrics TEXT,
  source TEXT NOT NULL,
  PRIMARY KEY (job_id, seq)
) WITHOUT ROWID;
CREATE TABLE models (
  model_id TEXT PRIMARY KEY,
  watermark TEXT NOT NULL DEFAULT '',
  watermark_landed_ms INTEGER
) WITHOUT ROWID;
CREATE TABLE idempotency_keys (
  key TEXT PRIMARY KEY,
  job_id TEXT NOT NULL,
  created_ms INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE settings (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;
)sql",
    // 2: the promotion history (moves of each model's champion alias). At most one entry per
    // job: an automatic move is keyed by the job whose worker made it.
    R"sql(
CREATE TABLE promotions (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  model_id TEXT NOT NULL,
  version TEXT NOT NULL,
  previous_version TEXT,
  at INTEGER NOT NULL,
  source TEXT NOT NULL,
  reason TEXT NOT NULL,
  job_id TEXT UNIQUE
);
CREATE INDEX promotions_by_model ON promotions(model_id, seq);
)sql",
    // 3: leases (the leader lease of the replicas sharing a store).
    R"sql(
CREATE TABLE leases (
  name TEXT PRIMARY KEY,
  holder TEXT NOT NULL,
  epoch INTEGER NOT NULL,
  expires_ms INTEGER NOT NULL
) WITHOUT ROWID;
)sql",
};

template <typename T>
std::unexpected<Error> Err(const Result<T>& r) {
  return std::unexpected(r.error());
}

// A finished job whose tracker run does not carry its end yet.
bool NeedsSync(const Job& job) { return IsTerminal(job.status) && !job.tracking_finalized; }

class SqliteJobStoreImpl final : public JobStore {
 public:
  SqliteJobStoreImpl(std::unique_ptr<Db> db, const Clock& clock, size_t max_group)
      : db_(std::move(db)), clock_(clock), group_(*db_, mu_, max_group) {}

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
    return std::make_unique<FencedView<SqliteJobStoreImpl>>(*this, fence);
  }

  Result<Lease> AcquireLease(const LeaseRequest& r) override {
    std::optional<Result<Lease>> out;
    auto s = group_.Write([&]() -> Status {
      out = AcquireLeaseInTx(r);
      if (!*out) return std::unexpected(out->error());
      return {};
    });
    if (!s) return std::unexpected(s.error());
    return std::move(*out);
  }

  Status ReleaseLease(const std::string& name, const std::string& holder, int64_t epoch) override {
    return group_.Write([&]() -> Status {
      auto q = db_->Prepare(
          "UPDATE leases SET expires_ms = ? WHERE name = ? AND holder = ? AND epoch = ?");
      if (!q) return std::unexpected(q.error());
      (*q)->Bind(1, clock_.NowMs()).Bind(2, name).Bind(3, holder).Bind(4, epoch);
      return (*q)->Run();
    });
  }

  Result<std::optional<Lease>> GetLease(const std::string& name) override {
    std::lock_guard lock(mu_);
    return GetLeaseLocked(name);
  }

  Result<Job> CreateJobAs(const Fence* fence, const Job& input,
                          const std::optional<std::string>& idem_key, bool* replayed) {
    if (replayed) *replayed = false;
    std::optional<Result<Job>> out;
    auto s = group_.Write([&]() -> Status {
      if (auto f = CheckFence(fence); !f) {
        out = std::unexpected(f.error());
        return f;
      }
      out = CreateJobInTx(input, idem_key, replayed);
      if (!*out) return std::unexpected(out->error());
      return {};
    });
    if (!s) return std::unexpected(s.error());
    return std::move(*out);
  }

  Result<Job> UpdateJobAs(const Fence* fence, const std::string& id,
                          const std::function<Status(Job&, JobUpdate&)>& mutate) {
    std::optional<Result<Job>> out;
    auto s = group_.Write([&]() -> Status {
      if (auto f = CheckFence(fence); !f) {
        out = std::unexpected(f.error());
        return f;
      }
      out = UpdateJobInTx(id, mutate);
      if (!*out) return std::unexpected(out->error());
      return {};
    });
    if (!s) return std::unexpected(s.error());
    return std::move(*out);
  }

 private:
  // Runs inside the group's transaction (GroupCommit::Write): mu_ held, a savepoint around it.
  Result<Job> CreateJobInTx(const Job& input, const std::optional<std::string>& idem_key,
                            bool* replayed) {
    if (idem_key) {
      auto q = db_->Prepare("SELECT job_id FROM idempotency_keys WHERE key = ?");
      if (!q) return Err(q);
      (*q)->Bind(1, *idem_key);
      auto row = (*q)->Step();
      if (!row) return Err(row);
      if (*row) {
        std::string job_id = (*q)->Text(0);
        q->reset();
        if (replayed) *replayed = true;
        return GetJobLocked(job_id);
      }
    }
    if (auto active = ActiveJobLocked(input.model_id); !active) {
      return Err(active);
    } else if (*active) {
      Error e =
          Fail(ErrorCode::kFailedPrecondition,
               "model " + input.model_id + " already has an active job (" + (*active)->id + ")",
               "job_active")
              .error();
      e.With("jobId", (*active)->id);
      return std::unexpected(e);
    }
    auto state = GetModelStateLocked(input.model_id);
    if (!state) return Err(state);
    if (state->watermark != input.window.after) {
      return Fail(ErrorCode::kAborted,
                  "the watermark of model " + input.model_id + " moved while the job was prepared",
                  "watermark_moved");
    }
    Job job = input;
    job.status = JobStatus::kPending;
    job.updated_at_ms = clock_.NowMs();
    auto ins = db_->Prepare(
        "INSERT INTO jobs (id, model_id, status, needs_sync, data) VALUES (?, ?, ?, ?, ?)");
    if (!ins) return Err(ins);
    (*ins)
        ->Bind(1, job.id)
        .Bind(2, job.model_id)
        .Bind(3, std::string(ToString(job.status)))
        .Bind(4, NeedsSync(job) ? 1 : 0)
        .Bind(5, EncodeJob(job));
    if (auto s = (*ins)->Run(); !s) return std::unexpected(s.error());
    job.seq = db_->LastInsertRowid();
    ins->reset();
    JobEvent first;
    first.seq = 1;
    first.at_ms = job.scheduled_at_ms;
    first.status = JobStatus::kPending;
    first.source = EventSource::kSystem;
    first.message = "job created (" + std::string(ToString(job.trigger)) + " trigger, " +
                    std::to_string(job.window.records) + " records)";
    if (auto s = InsertEvent(job.id, first); !s) return std::unexpected(s.error());
    if (idem_key) {
      auto k =
          db_->Prepare("INSERT INTO idempotency_keys (key, job_id, created_ms) VALUES (?, ?, ?)");
      if (!k) return Err(k);
      (*k)->Bind(1, *idem_key).Bind(2, job.id).Bind(3, job.updated_at_ms);
      if (auto s = (*k)->Run(); !s) return std::unexpected(s.error());
    }
    return job;
  }

 public:
  Result<std::optional<Job>> FindByIdempotencyKey(const std::string& key) override {
    std::lock_guard lock(mu_);
    auto q = db_->Prepare("SELECT job_id FROM idempotency_keys WHERE key = ?");
    if (!q) return Err(q);
    (*q)->Bind(1, key);
    auto row = (*q)->Step();
    if (!row) return Err(row);
    if (!*row) return std::optional<Job>();
    std::string id = (*q)->Text(0);
    q->reset();
    auto job = GetJobLocked(id);
    if (!job) return Err(job);
    return std::optional<Job>(std::move(*job));
  }

  Result<Job> GetJob(const std::string& id) override {
    std::lock_guard lock(mu_);
    return GetJobLocked(id);
  }

  Result<JobPage> ListJobs(const JobFilter& f) override {
    std::lock_guard lock(mu_);
    std::string sql = "SELECT seq, data FROM jobs WHERE seq < ?";
    if (f.model_id) sql += " AND model_id = ?";
    if (f.status) sql += " AND status = ?";
    sql += " ORDER BY seq DESC LIMIT ?";
    auto q = db_->Prepare(sql);
    if (!q) return Err(q);
    int i = 1;
    (*q)->Bind(i++, f.before_seq.value_or(INT64_MAX));
    if (f.model_id) (*q)->Bind(i++, *f.model_id);
    if (f.status) (*q)->Bind(i++, std::string(ToString(*f.status)));
    (*q)->Bind(i++, static_cast<int64_t>(f.limit) + 1);
    auto jobs = ReadJobs(**q);
    if (!jobs) return Err(jobs);
    return PageOf(std::move(*jobs), f.limit);
  }

  Result<std::vector<Job>> ListActiveJobs() override {
    std::lock_guard lock(mu_);
    auto q = db_->Prepare(
        "SELECT seq, data FROM jobs WHERE status IN ('pending', 'scheduled', 'running') ORDER BY "
        "seq");
    if (!q) return Err(q);
    return ReadJobs(**q);
  }

  Result<std::vector<Job>> ListJobsNeedingSync() override {
    std::lock_guard lock(mu_);
    auto q = db_->Prepare("SELECT seq, data FROM jobs WHERE needs_sync = 1 ORDER BY seq");
    if (!q) return Err(q);
    return ReadJobs(**q);
  }

  Result<std::optional<Job>> ActiveJob(const std::string& model_id) override {
    std::lock_guard lock(mu_);
    return ActiveJobLocked(model_id);
  }

  Result<std::optional<Job>> LastJob(const std::string& model_id) override {
    std::lock_guard lock(mu_);
    auto q =
        db_->Prepare("SELECT seq, data FROM jobs WHERE model_id = ? ORDER BY seq DESC LIMIT 1");
    if (!q) return Err(q);
    (*q)->Bind(1, model_id);
    auto jobs = ReadJobs(**q);
    if (!jobs) return Err(jobs);
    if (jobs->empty()) return std::optional<Job>();
    return std::optional<Job>(std::move(jobs->front()));
  }

  Result<ModelState> GetModelState(const std::string& model_id) override {
    std::lock_guard lock(mu_);
    return GetModelStateLocked(model_id);
  }

  // Runs inside the group's transaction (Write), like CreateJobInTx.
  Result<Job> UpdateJobInTx(const std::string& id,
                            const std::function<Status(Job&, JobUpdate&)>& mutate) {
    auto current = GetJobLocked(id);
    if (!current) return current;
    Job job = *current;
    JobUpdate update;
    if (auto s = mutate(job, update); !s) return std::unexpected(s.error());
    // The statuses the update passes through (its events, then the job's final status) must
    // each be an allowed step from the one before.
    JobStatus prev = current->status;
    std::vector<JobStatus> steps;
    for (const auto& ev : update.events)
      if (ev.status) steps.push_back(*ev.status);
    steps.push_back(job.status);
    for (JobStatus next : steps) {
      if (next == prev) continue;
      if (!CanTransition(prev, next)) {
        Error e = Fail(ErrorCode::kFailedPrecondition,
                       "job " + id + " cannot go from " + std::string(ToString(prev)) + " to " +
                           std::string(ToString(next)),
                       "invalid_transition")
                      .error();
        e.With("from", std::string(ToString(prev)));
        e.With("to", std::string(ToString(next)));
        return std::unexpected(e);
      }
      prev = next;
    }
    if (update.events.empty() && EncodeJob(job) == EncodeJob(*current)) {
      return job;  // nothing changed: no write, updatedAt stays
    }
    int64_t now = clock_.NowMs();
    job.updated_at_ms = now;
    job.id = current->id;
    job.model_id = current->model_id;
    job.seq = current->seq;
    auto up = db_->Prepare("UPDATE jobs SET status = ?, needs_sync = ?, data = ? WHERE id = ?");
    if (!up) return Err(up);
    (*up)
        ->Bind(1, std::string(ToString(job.status)))
        .Bind(2, NeedsSync(job) ? 1 : 0)
        .Bind(3, EncodeJob(job))
        .Bind(4, id);
    if (auto s = (*up)->Run(); !s) return std::unexpected(s.error());
    up->reset();
    if (!update.events.empty()) {
      auto last = LastEventSeq(id);
      if (!last) return Err(last);
      int64_t seq = *last;
      for (auto& ev : update.events) {
        ev.seq = ++seq;
        if (ev.at_ms == 0) ev.at_ms = now;
        if (auto s = InsertEvent(id, ev); !s) return std::unexpected(s.error());
      }
    }
    if (job.status == JobStatus::kCompleted && current->status != JobStatus::kCompleted) {
      auto w = db_->Prepare(
          "INSERT INTO models (model_id, watermark, watermark_landed_ms) VALUES (?, ?, ?) "
          "ON CONFLICT(model_id) DO UPDATE SET watermark = excluded.watermark, "
          "watermark_landed_ms = excluded.watermark_landed_ms");
      if (!w) return Err(w);
      (*w)->Bind(1, job.model_id).Bind(2, job.window.upto).Bind(3, job.window.end_ms);
      if (auto s = (*w)->Run(); !s) return std::unexpected(s.error());
    }
    return job;
  }

 public:
  Result<std::vector<JobEvent>> ListEvents(const std::string& id, int64_t after_seq) override {
    std::lock_guard lock(mu_);
    if (auto j = GetJobLocked(id); !j) return Err(j);
    return ReadEvents(id, after_seq);
  }

  Result<std::vector<std::pair<std::string, std::vector<JobEvent>>>> ListEventsForJobs(
      const std::vector<std::string>& ids) override {
    std::lock_guard lock(mu_);
    std::vector<std::pair<std::string, std::vector<JobEvent>>> out;
    for (const auto& id : ids) {
      auto evs = ReadEvents(id, 0);
      if (!evs) return Err(evs);
      out.emplace_back(id, std::move(*evs));
    }
    return out;
  }

  Result<std::optional<std::string>> GetSetting(const std::string& key) override {
    std::lock_guard lock(mu_);
    auto q = db_->Prepare("SELECT value FROM settings WHERE key = ?");
    if (!q) return Err(q);
    (*q)->Bind(1, key);
    auto row = (*q)->Step();
    if (!row) return Err(row);
    if (!*row) return std::optional<std::string>();
    return std::optional<std::string>((*q)->Text(0));
  }

  Result<std::string> PutSettingIfAbsentAs(const Fence* fence, const std::string& key,
                                           const std::string& value) {
    auto s = group_.Write([&]() -> Status {
      if (auto f = CheckFence(fence); !f) return f;
      auto q = db_->Prepare(
          "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO NOTHING");
      if (!q) return std::unexpected(q.error());
      (*q)->Bind(1, key).Bind(2, value);
      return (*q)->Run();
    });
    if (!s) return std::unexpected(s.error());
    auto v = GetSetting(key);
    if (!v) return Err(v);
    return v->value_or(value);
  }

  Result<Promotion> AppendPromotionAs(const Fence* fence, const Promotion& input, bool* appended) {
    if (appended) *appended = false;
    std::optional<Result<Promotion>> out;
    auto s = group_.Write([&]() -> Status {
      if (auto f = CheckFence(fence); !f) {
        out = std::unexpected(f.error());
        return f;
      }
      out = AppendPromotionInTx(input, appended);
      if (!*out) return std::unexpected(out->error());
      return {};
    });
    if (!s) return std::unexpected(s.error());
    return std::move(*out);
  }

  Result<std::vector<Promotion>> ListPromotions(const std::string& model_id, int limit) override {
    std::lock_guard lock(mu_);
    auto q = db_->Prepare(
        "SELECT seq, model_id, version, previous_version, at, source, reason, job_id "
        "FROM promotions WHERE model_id = ? ORDER BY seq DESC LIMIT ?");
    if (!q) return Err(q);
    (*q)->Bind(1, model_id).Bind(2, static_cast<int64_t>(std::max(limit, 0)));
    return ReadPromotions(**q);
  }

  Status Ping() override {
    std::lock_guard lock(mu_);
    return db_->Exec("SELECT 1");
  }

 private:
  // Inside a write's transaction: the fence's epoch is still the lease's (no fence: no check).
  Status CheckFence(const Fence* fence) {
    if (!fence) return {};
    const int64_t held = fence->epoch();
    auto lease = GetLeaseLocked(fence->lease());
    if (!lease) return std::unexpected(lease.error());
    const int64_t current = *lease ? (*lease)->epoch : 0;
    if (held == 0 || current != held)
      return std::unexpected(NotLeader(fence->lease(), held, current));
    return {};
  }

  Result<std::optional<Lease>> GetLeaseLocked(const std::string& name) {
    auto q = db_->Prepare("SELECT holder, epoch, expires_ms FROM leases WHERE name = ?");
    if (!q) return Err(q);
    (*q)->Bind(1, name);
    auto row = (*q)->Step();
    if (!row) return Err(row);
    if (!*row) return std::optional<Lease>();
    Lease l;
    l.name = name;
    l.holder = (*q)->Text(0);
    l.epoch = (*q)->Int(1);
    l.expires_ms = (*q)->Int(2);
    return std::optional<Lease>(std::move(l));
  }

  // Runs inside the group's transaction, like CreateJobInTx.
  Result<Lease> AcquireLeaseInTx(const LeaseRequest& r) {
    auto found = GetLeaseLocked(r.name);
    if (!found) return Err(found);
    const int64_t now = clock_.NowMs();
    Lease lease = found->value_or(Lease{r.name, "", 0, 0});
    if (!GrantsLease(lease, r, now)) return lease;
    if (!r.renew_epoch) ++lease.epoch;
    lease.holder = r.holder;
    lease.expires_ms = now + r.duration_ms;
    auto q = db_->Prepare(
        "INSERT INTO leases (name, holder, epoch, expires_ms) VALUES (?, ?, ?, ?) "
        "ON CONFLICT(name) DO UPDATE SET holder = excluded.holder, epoch = excluded.epoch, "
        "expires_ms = excluded.expires_ms");
    if (!q) return Err(q);
    (*q)->Bind(1, lease.name).Bind(2, lease.holder).Bind(3, lease.epoch).Bind(4, lease.expires_ms);
    if (auto s = (*q)->Run(); !s) return std::unexpected(s.error());
    return lease;
  }

  // Runs inside the group's transaction, like CreateJobInTx.
  Result<Promotion> AppendPromotionInTx(const Promotion& input, bool* appended) {
    if (input.job_id) {
      auto q = db_->Prepare(
          "SELECT seq, model_id, version, previous_version, at, source, reason, job_id "
          "FROM promotions WHERE job_id = ?");
      if (!q) return Err(q);
      (*q)->Bind(1, *input.job_id);
      auto found = ReadPromotions(**q);
      if (!found) return Err(found);
      if (!found->empty()) return std::move(found->front());
    }
    Promotion p = input;
    if (!p.previous_version) {
      auto q = db_->Prepare(
          "SELECT version FROM promotions WHERE model_id = ? ORDER BY seq DESC LIMIT 1");
      if (!q) return Err(q);
      (*q)->Bind(1, p.model_id);
      auto row = (*q)->Step();
      if (!row) return Err(row);
      if (*row && (*q)->Text(0) != p.version) p.previous_version = (*q)->Text(0);
    }
    auto ins = db_->Prepare(
        "INSERT INTO promotions (model_id, version, previous_version, at, source, reason, job_id) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)");
    if (!ins) return Err(ins);
    (*ins)
        ->Bind(1, p.model_id)
        .Bind(2, p.version)
        .Bind(3, p.previous_version)
        .Bind(4, p.at_ms)
        .Bind(5, std::string(ToString(p.source)))
        .Bind(6, p.reason)
        .Bind(7, p.job_id);
    if (auto s = (*ins)->Run(); !s) return std::unexpected(s.error());
    p.seq = db_->LastInsertRowid();
    if (appended) *appended = true;
    return p;
  }

  static Result<std::vector<Promotion>> ReadPromotions(Stmt& q) {
    std::vector<Promotion> out;
    while (true) {
      auto row = q.Step();
      if (!row) return Err(row);
      if (!*row) break;
      Promotion p;
      p.seq = q.Int(0);
      p.model_id = q.Text(1);
      p.version = q.Text(2);
      if (!q.IsNull(3)) p.previous_version = q.Text(3);
      p.at_ms = q.Int(4);
      p.source = ParsePromotionSource(q.Text(5)).value_or(PromotionSource::kAutomatic);
      p.reason = q.Text(6);
      if (!q.IsNull(7)) p.job_id = q.Text(7);
      out.push_back(std::move(p));
    }
    return out;
  }

  Result<Job> GetJobLocked(const std::string& id) {
    auto q = db_->Prepare("SELECT seq, data FROM jobs WHERE id = ?");
    if (!q) return Err(q);
    (*q)->Bind(1, id);
    auto jobs = ReadJobs(**q);
    if (!jobs) return Err(jobs);
    if (jobs->empty()) {
      Error e = Fail(ErrorCode::kNotFound, "no job with id '" + id + "'", "job_not_found").error();
      e.With("jobId", id);
      return std::unexpected(e);
    }
    return std::move(jobs->front());
  }

  Result<std::optional<Job>> ActiveJobLocked(const std::string& model_id) {
    auto q = db_->Prepare(
        "SELECT seq, data FROM jobs WHERE model_id = ? AND status IN ('pending', 'scheduled', "
        "'running')");
    if (!q) return Err(q);
    (*q)->Bind(1, model_id);
    auto jobs = ReadJobs(**q);
    if (!jobs) return Err(jobs);
    if (jobs->empty()) return std::optional<Job>();
    return std::optional<Job>(std::move(jobs->front()));
  }

  Result<ModelState> GetModelStateLocked(const std::string& model_id) {
    auto q = db_->Prepare("SELECT watermark, watermark_landed_ms FROM models WHERE model_id = ?");
    if (!q) return Err(q);
    (*q)->Bind(1, model_id);
    auto row = (*q)->Step();
    if (!row) return Err(row);
    ModelState st;
    st.model_id = model_id;
    if (*row) {
      st.watermark = (*q)->Text(0);
      if (!(*q)->IsNull(1)) st.watermark_landed_ms = (*q)->Int(1);
    }
    return st;
  }

  static Result<std::vector<Job>> ReadJobs(Stmt& q) {
    std::vector<Job> out;
    while (true) {
      auto row = q.Step();
      if (!row) return Err(row);
      if (!*row) break;
      auto job = DecodeJob(q.Text(1));
      if (!job) return Err(job);
      job->seq = q.Int(0);
      out.push_back(std::move(*job));
    }
    return out;
  }

  Result<int64_t> LastEventSeq(const std::string& id) {
    auto q = db_->Prepare("SELECT COALESCE(MAX(seq), 0) FROM job_events WHERE job_id = ?");
    if (!q) return Err(q);
    (*q)->Bind(1, id);
    auto row = (*q)->Step();
    if (!row) return Err(row);
    return (*q)->Int(0);
  }

  Status InsertEvent(const std::string& job_id, const JobEvent& ev) {
    auto q = db_->Prepare(
        "INSERT INTO job_events (job_id, seq, at, status, progress, message, metrics, source) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    if (!q) return std::unexpected(q.error());
    (*q)->Bind(1, job_id).Bind(2, ev.seq).Bind(3, ev.at_ms);
    if (ev.status)
      (*q)->Bind(4, std::string(ToString(*ev.status)));
    else
      (*q)->BindNull(4);
    (*q)->Bind(5, ev.progress).Bind(6, ev.message);
    if (ev.metrics.empty())
      (*q)->BindNull(7);
    else
      (*q)->Bind(7, EncodeMetrics(ev.metrics));
    (*q)->Bind(8, std::string(ToString(ev.source)));
    return (*q)->Run();
  }

  Result<std::vector<JobEvent>> ReadEvents(const std::string& id, int64_t after_seq) {
    auto q = db_->Prepare(
        "SELECT seq, at, status, progress, message, metrics, source FROM job_events "
        "WHERE job_id = ? AND seq > ? ORDER BY seq");
    if (!q) return Err(q);
    (*q)->Bind(1, id).Bind(2, after_seq);
    std::vector<JobEvent> out;
    while (true) {
      auto row = (*q)->Step();
      if (!row) return Err(row);
      if (!*row) break;
      Stmt& s = **q;
      JobEvent ev;
      ev.seq = s.Int(0);
      ev.at_ms = s.Int(1);
      if (!s.IsNull(2)) ev.status = ParseStatus(s.Text(2));
      if (!s.IsNull(3)) ev.progress = s.Double(3);
      if (!s.IsNull(4)) ev.message = s.Text(4);
      if (!s.IsNull(5)) {
        auto m = DecodeMetrics(s.Text(5));
        if (!m) return Err(m);
        ev.metrics = std::move(*m);
      }
      std::string src = s.Text(6);
      ev.source = src == "worker"     ? EventSource::kWorker
                  : src == "executor" ? EventSource::kExecutor
                  : src == "api"      ? EventSource::kApi
                                      : EventSource::kSystem;
      out.push_back(std::move(ev));
    }
    return out;
  }

  std::mutex mu_;  // guards db_ (one connection; every method holds it for its whole transaction)
  std::unique_ptr<Db> db_;
  const Clock& clock_;
  GroupCommit group_;  // every write; declared after mu_ and db_, which it uses
};

}  // namespace

Result<std::unique_ptr<JobStore>> OpenSqliteJobStore(const std::string& path, const Clock& clock,
                                                     size_t max_group) {
  auto db = Db::Open(path);
  if (!db) return std::unexpected(db.error());
  if (auto s = (*db)->Migrate(kMigrations); !s) return std::unexpected(s.error());
  return std::unique_ptr<JobStore>(new SqliteJobStoreImpl(std::move(*db), clock, max_group));
}

}  // namespace retrain
