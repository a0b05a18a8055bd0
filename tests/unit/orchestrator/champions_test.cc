// Champions: automatic moves recorded once per completed job, manual promote and rollback
// (registry first, history last), their errors, and the history's time ranges.

#include <gtest/gtest.h>

#include "fake_registry.h"
#include "orchestrator_test_util.h"

namespace retrain {
namespace {

using testing::DetailText;
using testing::FakeRegistry;
using testing::MakeModel;

class ChampionsTest : public testing::OrchestratorTest {
 protected:
  void BuildWithRegistry(bool with_registry = true) {
    Build({MakeModel("m", 3)}, /*callback_auth=*/true, /*tracker=*/nullptr,
          with_registry ? &registry_ : nullptr);
  }

  // One job of "m" from trigger to completion, its final report carrying `metrics`; then the
  // reconciler finalizes it.
  Job CompleteJob(const std::map<std::string, double>& metrics) {
    Append(3);
    auto job = Trigger("m", TriggerKind::kManual, "test", false);
    EXPECT_TRUE(job.has_value());
    orch_->reconciler().ReconcileOnce();  // hand-over
    EventInput in;
    in.status = JobStatus::kCompleted;
    in.metrics = metrics;
    in.message = "Promoted to champion: holdout AUC 0.91 beats 0.88.";
    auto done = orch_->commands().ApplyEvent(job->id, in, orch_->tokens().For(job->id, 1));
    EXPECT_TRUE(done.has_value()) << done.error().message;
    clock_.Advance(1'000);
    orch_->reconciler().ReconcileOnce();
    return Get(job->id);
  }

  std::vector<Promotion> History() {
    auto h = store_->ListPromotions("m", 500);
    EXPECT_TRUE(h.has_value());
    return h.value_or(std::vector<Promotion>{});
  }

  Champions& champions() { return orch_->champions(); }

  FakeRegistry registry_;
};

TEST_F(ChampionsTest, AutomaticMoveIsRecordedOncePerJob) {
  BuildWithRegistry();
  registry_.AddVersions("m", 2);
  Job job = CompleteJob({{"auc", 0.91}, {"promoted", 1}, {"model_version", 2}});
  EXPECT_TRUE(job.tracking_finalized);
  auto h = History();
  ASSERT_EQ(h.size(), 1u);
  EXPECT_EQ(h[0].version, "2");
  EXPECT_EQ(h[0].source, PromotionSource::kAutomatic);
  EXPECT_EQ(h[0].job_id, job.id);
  EXPECT_EQ(h[0].at_ms, *job.completed_at_ms);
  EXPECT_EQ(h[0].reason, "Promoted to champion: holdout AUC 0.91 beats 0.88.");
  EXPECT_FALSE(h[0].previous_version);
  // A finalize repeated after a crash records nothing new.
  ASSERT_TRUE(champions().RecordAutomatic(job));
  orch_->reconciler().ReconcileOnce();
  EXPECT_EQ(History().size(), 1u);
}

TEST_F(ChampionsTest, AutomaticMoveWithoutAVersionMetricAsksTheRegistry) {
  BuildWithRegistry();
  registry_.AddVersions("m", 3);
  registry_.aliases[{"m", "champion"}] = "3";
  Job job = CompleteJob({{"auc", 0.91}, {"champion_promoted", 1}});
  auto h = History();
  ASSERT_EQ(h.size(), 1u);
  EXPECT_EQ(h[0].version, "3");
  EXPECT_EQ(h[0].job_id, job.id);
}

TEST_F(ChampionsTest, RegistryDownDelaysTheFinalizeUntilTheMoveIsRecorded) {
  BuildWithRegistry();
  registry_.AddVersions("m", 1);
  registry_.aliases[{"m", "champion"}] = "1";
  registry_.script = {Fail(ErrorCode::kUnavailable, "mlflow is down").error()};
  Job job = CompleteJob({{"champion_promoted", 1}});
  EXPECT_FALSE(job.tracking_finalized);
  EXPECT_TRUE(History().empty());
  clock_.Advance(60'000);
  orch_->reconciler().ReconcileOnce();
  EXPECT_TRUE(Get(job.id).tracking_finalized);
  ASSERT_EQ(History().size(), 1u);
}

TEST_F(ChampionsTest, KeptChampionOrNoRegistryRecordsNothing) {
  BuildWithRegistry(false);
  CompleteJob({{"auc", 0.7}, {"promoted", 0}, {"model_version", 4}});
  CompleteJob({{"champion_promoted", 1}});  // no version and no registry to ask
  EXPECT_TRUE(History().empty());
  Job reported = CompleteJob({{"promoted", 1}, {"model_version", 5}});
  auto h = History();
  ASSERT_EQ(h.size(), 1u);
  EXPECT_EQ(h[0].version, "5");
  EXPECT_EQ(h[0].job_id, reported.id);
}

TEST_F(ChampionsTest, PromoteMovesTheAliasTagsTheVersionAndRecordsIt) {
  BuildWithRegistry();
  registry_.AddVersions("m", 2);
  CompleteJob({{"promoted", 1}, {"model_version", 2}});
  registry_.aliases[{"m", "champion"}] = "2";
  clock_.Advance(5'000);
  auto moved = champions().Promote("m", "1", "version 2 misclassifies the new feed");
  ASSERT_TRUE(moved) << moved.error().message;
  EXPECT_TRUE(moved->changed);
  EXPECT_EQ(registry_.Champion("m"), "1");
  EXPECT_EQ(registry_.Tags("m", "1"),
            (std::map<std::string, std::string>{
                {"retrain.promoted_by", "manual"},
                {"retrain.promotion_reason", "version 2 misclassifies the new feed"},
                {"retrain.promoted_at", FormatRfc3339(clock_.NowMs())}}));
  EXPECT_EQ(moved->promotion.source, PromotionSource::kManual);
  EXPECT_EQ(moved->promotion.previous_version, "2");
  EXPECT_FALSE(moved->promotion.job_id);
  auto h = History();
  ASSERT_EQ(h.size(), 2u);
  EXPECT_EQ(h[0].version, "1");

  // Promoting the champion again changes nothing and records nothing.
  const int moves = registry_.alias_moves;
  auto again = champions().Promote("m", "1", "again");
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_FALSE(again->changed);
  EXPECT_NE(again->message.find("already is the champion"), std::string::npos);
  EXPECT_EQ(again->promotion.seq, h[0].seq);
  EXPECT_EQ(registry_.alias_moves, moves);
  EXPECT_EQ(History().size(), 2u);
}

TEST_F(ChampionsTest, PromoteErrors) {
  BuildWithRegistry();
  auto unknown = champions().Promote("nope", "1", "r");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().api_code, "unknown_model");
  auto unregistered = champions().Promote("m", "1", "r");  // no version of m registered yet
  ASSERT_FALSE(unregistered);
  EXPECT_EQ(unregistered.error().api_code, "version_not_found");
  registry_.AddVersions("m", 1);
  auto missing = champions().Promote("m", "7", "r");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(missing.error().api_code, "version_not_found");
  EXPECT_EQ(DetailText(missing.error(), "version"), "7");
  for (const std::string& reason : {std::string(), std::string("  \n"), std::string(1001, 'x')}) {
    auto bad = champions().Promote("m", "1", reason);
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().code, ErrorCode::kUnprocessable);
    EXPECT_EQ(bad.error().api_code, "invalid_value");
    EXPECT_EQ(DetailText(bad.error(), "field"), "reason");
  }
  EXPECT_TRUE(champions().Promote("m", "1", std::string(1000, 'x')));
  registry_.script = {Fail(ErrorCode::kUnavailable, "mlflow is down").error()};
  auto down = champions().Promote("m", "1", "r");
  ASSERT_FALSE(down);
  EXPECT_EQ(down.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(History().size(), 1u);
}

TEST_F(ChampionsTest, WithoutARegistryMovesFailButTheHistoryReads) {
  BuildWithRegistry(false);
  auto moved = champions().Promote("m", "1", "r");
  ASSERT_FALSE(moved);
  EXPECT_EQ(moved.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(moved.error().api_code, "no_registry");
  EXPECT_EQ(champions().Rollback("m", "r").error().api_code, "no_registry");
  auto h = champions().History("m");
  ASSERT_TRUE(h);
  EXPECT_TRUE(h->empty());
  EXPECT_EQ(champions().History("nope").error().api_code, "unknown_model");
}

TEST_F(ChampionsTest, RollbackReturnsToThePreviousChampionAndASecondOneUndoesIt) {
  BuildWithRegistry();
  registry_.AddVersions("m", 2);
  auto empty = champions().Rollback("m", "r");
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().api_code, "no_previous_champion");
  EXPECT_EQ(HttpStatusFor(empty.error().code), 409);

  registry_.aliases[{"m", "champion"}] = "1";
  CompleteJob({{"promoted", 1}, {"model_version", 1}});
  auto only_one = champions().Rollback("m", "r");
  ASSERT_FALSE(only_one);
  EXPECT_EQ(only_one.error().api_code, "no_previous_champion");

  registry_.aliases[{"m", "champion"}] = "2";
  CompleteJob({{"promoted", 1}, {"model_version", 2}});
  auto back = champions().Rollback("m", "v2 is worse on fresh data");
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(registry_.Champion("m"), "1");
  EXPECT_EQ(back->promotion.source, PromotionSource::kRollback);
  EXPECT_EQ(back->promotion.previous_version, "2");
  EXPECT_EQ(registry_.Tags("m", "1").at("retrain.promoted_by"), "rollback");
  auto undo = champions().Rollback("m", "undo");
  ASSERT_TRUE(undo) << undo.error().message;
  EXPECT_EQ(registry_.Champion("m"), "2");
  EXPECT_EQ(History().size(), 4u);
}

TEST_F(ChampionsTest, RollbackAfterAMoveTheHistoryDoesNotKnowYet) {
  BuildWithRegistry();
  registry_.AddVersions("m", 3);
  registry_.aliases[{"m", "champion"}] = "2";
  CompleteJob({{"promoted", 1}, {"model_version", 2}});
  registry_.aliases[{"m", "champion"}] = "3";  // moved by a worker whose job is not final yet
  auto back = champions().Rollback("m", "r");
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(registry_.Champion("m"), "2");
  EXPECT_EQ(back->promotion.previous_version, "3");
}

TEST_F(ChampionsTest, RepeatingAnInterruptedPromoteCompletesItsHistory) {
  BuildWithRegistry();
  registry_.AddVersions("m", 2);
  registry_.aliases[{"m", "champion"}] = "2";
  CompleteJob({{"promoted", 1}, {"model_version", 2}});
  // The first try moved the alias and then the server died before the history entry.
  registry_.aliases[{"m", "champion"}] = "1";
  auto repeated = champions().Promote("m", "1", "back to 1");
  ASSERT_TRUE(repeated) << repeated.error().message;
  EXPECT_TRUE(repeated->changed);
  EXPECT_EQ(repeated->promotion.previous_version, "2");  // from the history
  EXPECT_EQ(History().size(), 2u);
  EXPECT_EQ(registry_.Tags("m", "1").at("retrain.promotion_reason"), "back to 1");
}

TEST_F(ChampionsTest, HistoryGivesEachChampionItsTimeRange) {
  BuildWithRegistry();
  registry_.AddVersions("m", 2);
  Job first = CompleteJob({{"promoted", 1}, {"model_version", 1}});
  clock_.Advance(60'000);
  auto manual = champions().Promote("m", "2", "try 2");
  ASSERT_TRUE(manual);
  auto h = champions().History("m");
  ASSERT_TRUE(h);
  ASSERT_EQ(h->size(), 2u);
  EXPECT_TRUE((*h)[0].current);
  EXPECT_FALSE((*h)[0].to_ms);
  EXPECT_EQ((*h)[0].promotion.version, "2");
  EXPECT_FALSE((*h)[1].current);
  EXPECT_EQ((*h)[1].promotion.at_ms, *first.completed_at_ms);
  EXPECT_EQ((*h)[1].to_ms, (*h)[0].promotion.at_ms);
  auto one = champions().History("m", 1);
  ASSERT_TRUE(one);
  ASSERT_EQ(one->size(), 1u);
  EXPECT_TRUE(one->front().current);
}

}  // namespace
}  // namespace retrain
