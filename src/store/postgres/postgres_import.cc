#include "store/postgres/postgres_import.h"

#include <cstdio>

#include "store/postgres/pg_pool.h"

namespace retrain {

namespace {

using pg::Conn;
using pg::Param;

std::string Num(int64_t v) { return std::to_string(v); }
Param Num(const std::optional<int64_t>& v) { return v ? Param(Num(*v)) : std::nullopt; }
Param Num(const std::optional<double>& v) {
  if (!v) return std::nullopt;
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", *v);
  return std::string(buf);
}

constexpr const char* kCountSql =
    "SELECT (SELECT count(*) FROM jobs), (SELECT count(*) FROM job_events), "
    "(SELECT count(*) FROM models), (SELECT count(*) FROM idempotency_keys), "
    "(SELECT count(*) FROM settings), (SELECT count(*) FROM promotions)";

Result<StoreCounts> Count(Conn& c) {
  auto r = c.Exec(kCountSql);
  if (!r) return std::unexpected(r.error());
  return StoreCounts{r->Int(0, 0), r->Int(0, 1), r->Int(0, 2),
                     r->Int(0, 3), r->Int(0, 4), r->Int(0, 5)};
}

Result<pg::Lease> Connect(pg::Pool& pool, const PostgresStoreOptions& options, const Clock& clock) {
  // Opening the store creates or upgrades the schema (under its advisory lock).
  if (auto store = OpenPostgresJobStore(options, clock); !store) {
    return std::unexpected(store.error());
  }
  return pool.Acquire();
}

pg::Pool MakePool(const PostgresStoreOptions& options) {
  return pg::Pool({options.uri, options.password, options.connect_timeout_s}, 1);
}

Status Load(Conn& c, const StoreDump& d) {
  auto run = [&](const std::string& sql, const std::vector<Param>& params) -> Status {
    auto r = c.Exec(sql, params);
    if (!r) return std::unexpected(r.error());
    return {};
  };
  for (const auto& j : d.jobs) {
    if (auto s =
            run("INSERT INTO jobs (seq, id, model_id, status, needs_sync, data) "
                "VALUES ($1, $2, $3, $4, $5, $6)",
                {Num(j.seq), j.id, j.model_id, j.status, j.needs_sync ? "true" : "false", j.data});
        !s)
      return s;
  }
  for (const auto& e : d.events) {
    if (auto s = run("INSERT INTO job_events (job_id, seq, at, status, progress, message, "
                     "metrics, source) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                     {e.job_id, Num(e.seq), Num(e.at_ms), e.status, Num(e.progress), e.message,
                      e.metrics, e.source});
        !s)
      return s;
  }
  for (const auto& m : d.models) {
    if (auto s = run("INSERT INTO models (model_id, watermark, watermark_landed_ms) "
                     "VALUES ($1, $2, $3)",
                     {m.model_id, m.watermark, Num(m.watermark_landed_ms)});
        !s)
      return s;
  }
  for (const auto& k : d.idempotency_keys) {
    if (auto s = run("INSERT INTO idempotency_keys (key, job_id, created_ms) VALUES ($1, $2, $3)",
                     {k.key, k.job_id, Num(k.created_ms)});
        !s)
      return s;
  }
  for (const auto& [key, value] : d.settings) {
    if (auto s = run("INSERT INTO settings (key, value) VALUES ($1, $2)", {key, value}); !s)
      return s;
  }
  for (const auto& p : d.promotions) {
    if (auto s = run("INSERT INTO promotions (seq, model_id, version, previous_version, at, "
                     "source, reason, job_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                     {Num(p.seq), p.model_id, p.version, p.previous_version, Num(p.at_ms),
                      std::string(ToString(p.source)), p.reason, p.job_id});
        !s)
      return s;
  }
  // New rows continue after the copied sequence numbers.
  for (const char* sql : {"SELECT setval(pg_get_serial_sequence('jobs', 'seq'), "
                          "COALESCE((SELECT MAX(seq) FROM jobs), 0) + 1, false)",
                          "SELECT setval(pg_get_serial_sequence('promotions', 'seq'), "
                          "COALESCE((SELECT MAX(seq) FROM promotions), 0) + 1, false)"}) {
    if (auto s = run(sql, {}); !s) return s;
  }
  return {};
}

}  // namespace

Result<StoreCounts> CountPostgresStore(const PostgresStoreOptions& options, const Clock& clock) {
  pg::Pool pool = MakePool(options);
  auto lease = Connect(pool, options, clock);
  if (!lease) return std::unexpected(lease.error());
  return Count(**lease);
}

Result<StoreCounts> ImportIntoPostgres(const PostgresStoreOptions& options, const Clock& clock,
                                       const StoreDump& dump, bool replace) {
  pg::Pool pool = MakePool(options);
  auto lease = Connect(pool, options, clock);
  if (!lease) return std::unexpected(lease.error());
  Conn& c = **lease;
  if (auto b = c.Exec("BEGIN"); !b) return std::unexpected(b.error());
  auto fail = [&](const Error& e) -> Result<StoreCounts> {
    (void)c.Exec("ROLLBACK");
    return std::unexpected(e);
  };
  // Nothing else writes while the copy runs: the tables are locked until it commits.
  if (auto l = c.Exec("LOCK TABLE jobs, job_events, models, idempotency_keys, settings, "
                      "promotions IN EXCLUSIVE MODE");
      !l)
    return fail(l.error());
  auto before = Count(c);
  if (!before) return fail(before.error());
  if (!(*before == StoreCounts{})) {
    if (!replace) {
      Error e =
          Fail(ErrorCode::kFailedPrecondition,
               "the target store " + pool.Describe() + " already holds " +
                   std::to_string(before->jobs) + " jobs, " + std::to_string(before->settings) +
                   " settings and " + std::to_string(before->models) + " model watermarks",
               "target_not_empty")
              .error();
      e.With("jobs", before->jobs).With("events", before->events).With("models", before->models);
      return fail(e);
    }
    if (auto t = c.Exec("TRUNCATE jobs, job_events, models, idempotency_keys, settings, "
                        "promotions RESTART IDENTITY");
        !t)
      return fail(t.error());
  }
  if (auto s = Load(c, dump); !s) return fail(s.error());
  if (auto done = c.Exec("COMMIT"); !done) return std::unexpected(done.error());
  return Count(c);
}

}  // namespace retrain
