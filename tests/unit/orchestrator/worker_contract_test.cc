// The worker contract's table against what workers really receive: every variable WorkerEnv
// sets for a fully configured job (and those the executors and `retrain serve` add) is in the
// table, and the README's table is the table's own Markdown.
#include "orchestrator/worker_contract.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "orchestrator/worker_env.h"

namespace retrain {
namespace {

TEST(WorkerContractTest, EveryVariableAWorkerIsGivenIsInTheTable) {
  Job job;
  job.id = "j";
  job.model_id = "m";
  job.attempt = 2;
  job.window = {.after = "1", .upto = "9", .records = 8, .start_ms = 1, .end_ms = 2};
  job.reason = "because";
  job.mlflow_run_id = "r";
  job.mlflow_experiment_id = "e";
  ModelSettings m;
  m.id = "m";
  m.entity_types = {"indicator"};
  m.params = {{"max_iter", "5"}};
  m.evaluation.holdout_fraction = 0.3;
  m.training.policy = "lookback";
  m.training.lookback_ms = 1000;
  m.training.max_records = 10;
  WorkerEnvOptions o{.public_url = "http://x", .feed_uri = "embedded:/f", .tracking_uri = "mlruns"};
  auto env = WorkerEnv(o, job, m);
  EXPECT_GT(env.size(), 20u);
  for (const auto& [name, value] : env) EXPECT_TRUE(InWorkerContract(name)) << name;
  // Set by `retrain serve` (worker_env extras) and the executors.
  for (const char* name : {"NEO4J_USER", "NEO4J_PASSWORD", "RETRAINING_CA_FILE",
                           "RETRAINING_CALLBACK_TOKEN", "PATH", "HOME", "LANG", "TZ"}) {
    EXPECT_TRUE(InWorkerContract(name)) << name;
  }
  EXPECT_FALSE(InWorkerContract("RETRAINING_SOMETHING_ELSE"));
}

TEST(WorkerContractTest, TheReadmeShowsTheTable) {
  std::ifstream in(RETRAIN_SOURCE_DIR "/README.md");
  ASSERT_TRUE(in) << "cannot read README.md";
  std::stringstream text;
  text << in.rdbuf();
  const std::string readme = text.str();
  const std::string begin = "<!-- worker-contract: `retrain worker --contract` -->\n";
  const std::string end = "<!-- /worker-contract -->";
  size_t b = readme.find(begin);
  size_t e = readme.find(end);
  ASSERT_NE(b, std::string::npos) << "README.md has no " << begin;
  ASSERT_NE(e, std::string::npos);
  EXPECT_EQ(readme.substr(b + begin.size(), e - b - begin.size()), WorkerContractMarkdown())
      << "README.md's worker table differs from `retrain worker --contract`; paste its output";
}

}  // namespace
}  // namespace retrain
