// `retrain store copy`: from the embedded SQLite store to PostgreSQL.

#include <cstdio>
#include <iostream>

#include "cli/adapters.h"
#include "cli/commands.h"
#include "core/redact.h"
#include "core/time.h"

namespace retrain {

int RunStoreCopy(const std::string& from, const std::string& to, const std::string& password_file,
                 bool force) {
  if (from.rfind("sqlite:", 0) != 0 || from.size() == 7) {
    std::cerr << "retrain store copy: --from must be sqlite:PATH (e.g. sqlite:.retrain/jobs.db), "
                 "got '"
              << RedactUrl(from) << "'\n";
    return 2;
  }
  if (to.rfind("postgresql://", 0) != 0 && to.rfind("postgres://", 0) != 0) {
    std::cerr << "retrain store copy: --to must be a postgresql:// URI, got '" << RedactUrl(to)
              << "'\n";
    return 2;
  }
  std::string path = from.substr(7);
  if (path.rfind("//", 0) == 0) path = path.substr(2);  // sqlite://PATH
  SystemClock clock;
  StoreCounts source;
  auto target = CopySqliteToPostgres(path, to, password_file, force, clock, &source);
  if (!target) {
    std::cerr << "retrain store copy: " << target.error().message
              << (target.error().api_code == "target_not_empty"
                      ? "; use --force to replace its contents"
                      : "")
              << "\n";
    return target.error().code == ErrorCode::kInvalidArgument ? 2 : 1;
  }
  std::cout << "copied " << from << " -> " << RedactUrl(to) << "\n";
  std::printf("%-18s %10s %10s\n", "", "source", "target");
  auto line = [](const char* what, int64_t a, int64_t b) {
    std::printf("%-18s %10lld %10lld%s\n", what, static_cast<long long>(a),
                static_cast<long long>(b), a == b ? "" : "  MISMATCH");
  };
  line("jobs", source.jobs, target->jobs);
  line("events", source.events, target->events);
  line("watermarks", source.models, target->models);
  line("idempotency keys", source.idempotency_keys, target->idempotency_keys);
  line("settings", source.settings, target->settings);
  line("promotions", source.promotions, target->promotions);
  std::fflush(stdout);
  if (!(source == *target)) {
    std::cerr << "retrain store copy: the target's counts differ from the source's\n";
    return 1;
  }
  return 0;
}

}  // namespace retrain
