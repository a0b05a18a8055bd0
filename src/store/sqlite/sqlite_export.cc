#include "store/sqlite/sqlite_export.h"

#include <filesystem>

#include "sqlite/db.h"
#include "store/sqlite/sqlite_job_store.h"

namespace retrain {

Result<StoreDump> ExportSqliteStore(const std::string& path, const Clock& clock) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    return Fail(ErrorCode::kNotFound, "no SQLite job store at " + path, "store_not_found");
  }
  // Opening the store brings an older file to this binary's schema.
  if (auto store = OpenSqliteJobStore(path, clock); !store) return std::unexpected(store.error());
  auto db = Db::Open(path);
  if (!db) return std::unexpected(db.error());
  StoreDump d;
  auto read = [&](const std::string& sql, auto&& row) -> Status {
    auto q = (*db)->Prepare(sql);
    if (!q) return std::unexpected(q.error());
    while (true) {
      auto more = (*q)->Step();
      if (!more) return std::unexpected(more.error());
      if (!*more) return {};
      row(**q);
    }
  };
  auto opt_text = [](Stmt& s, int i) {
    return s.IsNull(i) ? std::nullopt : std::optional<std::string>(s.Text(i));
  };
  Status s = read(
      "SELECT seq, id, model_id, status, needs_sync, data FROM jobs ORDER BY seq", [&](Stmt& q) {
        d.jobs.push_back({q.Int(0), q.Text(1), q.Text(2), q.Text(3), q.Int(4) != 0, q.Text(5)});
      });
  if (s) {
    s = read(
        "SELECT job_id, seq, at, status, progress, message, metrics, source FROM job_events "
        "ORDER BY job_id, seq",
        [&](Stmt& q) {
          StoreDump::EventRow e;
          e.job_id = q.Text(0);
          e.seq = q.Int(1);
          e.at_ms = q.Int(2);
          e.status = opt_text(q, 3);
          if (!q.IsNull(4)) e.progress = q.Double(4);
          e.message = opt_text(q, 5);
          e.metrics = opt_text(q, 6);
          e.source = q.Text(7);
          d.events.push_back(std::move(e));
        });
  }
  if (s) {
    s = read("SELECT model_id, watermark, watermark_landed_ms FROM models ORDER BY model_id",
             [&](Stmt& q) {
               StoreDump::ModelRow m{q.Text(0), q.Text(1), std::nullopt};
               if (!q.IsNull(2)) m.watermark_landed_ms = q.Int(2);
               d.models.push_back(std::move(m));
             });
  }
  if (s) {
    s = read("SELECT key, job_id, created_ms FROM idempotency_keys ORDER BY key", [&](Stmt& q) {
      d.idempotency_keys.push_back({q.Text(0), q.Text(1), q.Int(2)});
    });
  }
  if (s) {
    s = read("SELECT key, value FROM settings ORDER BY key",
             [&](Stmt& q) { d.settings.emplace_back(q.Text(0), q.Text(1)); });
  }
  if (s) {
    s = read(
        "SELECT seq, model_id, version, previous_version, at, source, reason, job_id "
        "FROM promotions ORDER BY seq",
        [&](Stmt& q) {
          Promotion p;
          p.seq = q.Int(0);
          p.model_id = q.Text(1);
          p.version = q.Text(2);
          p.previous_version = opt_text(q, 3);
          p.at_ms = q.Int(4);
          p.source = ParsePromotionSource(q.Text(5)).value_or(PromotionSource::kAutomatic);
          p.reason = q.Text(6);
          p.job_id = opt_text(q, 7);
          d.promotions.push_back(std::move(p));
        });
  }
  if (!s) return std::unexpected(s.error());
  return d;
}

}  // namespace retrain
