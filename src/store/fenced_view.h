#pragma once
// JobStore::Fenced for a store implementation: a view that forwards reads and lease calls to the
// store and sends its writes through the store's fenced variants, which check the fence inside
// the write's transaction. `Impl` provides, besides the JobStore interface:
//
//   Result<Job> CreateJobAs(const Fence*, const Job&, const std::optional<std::string>&, bool*);
//   Result<Job> UpdateJobAs(const Fence*, const std::string&, const std::function<...>&);
//   Result<Promotion> AppendPromotionAs(const Fence*, const Promotion&, bool*);
//   Result<std::string> PutSettingIfAbsentAs(const Fence*, const std::string&, const std::string&);
//
// where a null fence writes unconditionally (what the store's own overrides do).

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "store/job_store.h"

namespace retrain {

template <typename Impl>
class FencedView final : public JobStore {
 public:
  FencedView(Impl& impl, const Fence& fence) : impl_(impl), fence_(fence) {}

  Result<Job> CreateJob(const Job& job, const std::optional<std::string>& key,
                        bool* replayed) override {
    return impl_.CreateJobAs(&fence_, job, key, replayed);
  }
  Result<Job> UpdateJob(const std::string& id,
                        const std::function<Status(Job&, JobUpdate&)>& mutate) override {
    return impl_.UpdateJobAs(&fence_, id, mutate);
  }
  Result<Promotion> AppendPromotion(const Promotion& p, bool* appended) override {
    return impl_.AppendPromotionAs(&fence_, p, appended);
  }
  Result<std::string> PutSettingIfAbsent(const std::string& key,
                                         const std::string& value) override {
    return impl_.PutSettingIfAbsentAs(&fence_, key, value);
  }

  Result<std::optional<Job>> FindByIdempotencyKey(const std::string& key) override {
    return impl_.FindByIdempotencyKey(key);
  }
  Result<Job> GetJob(const std::string& id) override { return impl_.GetJob(id); }
  Result<JobPage> ListJobs(const JobFilter& f) override { return impl_.ListJobs(f); }
  Result<std::vector<Job>> ListActiveJobs() override { return impl_.ListActiveJobs(); }
  Result<std::vector<Job>> ListJobsNeedingSync() override { return impl_.ListJobsNeedingSync(); }
  Result<std::optional<Job>> ActiveJob(const std::string& m) override { return impl_.ActiveJob(m); }
  Result<std::optional<Job>> LastJob(const std::string& m) override { return impl_.LastJob(m); }
  Result<ModelState> GetModelState(const std::string& m) override { return impl_.GetModelState(m); }
  Result<std::vector<JobEvent>> ListEvents(const std::string& id, int64_t after) override {
    return impl_.ListEvents(id, after);
  }
  Result<std::vector<std::pair<std::string, std::vector<JobEvent>>>> ListEventsForJobs(
      const std::vector<std::string>& ids) override {
    return impl_.ListEventsForJobs(ids);
  }
  Result<std::optional<std::string>> GetSetting(const std::string& key) override {
    return impl_.GetSetting(key);
  }
  Result<std::vector<Promotion>> ListPromotions(const std::string& m, int limit) override {
    return impl_.ListPromotions(m, limit);
  }
  Result<Lease> AcquireLease(const LeaseRequest& r) override { return impl_.AcquireLease(r); }
  Status ReleaseLease(const std::string& name, const std::string& holder, int64_t epoch) override {
    return impl_.ReleaseLease(name, holder, epoch);
  }
  Result<std::optional<Lease>> GetLease(const std::string& name) override {
    return impl_.GetLease(name);
  }
  std::unique_ptr<JobStore> Fenced(const Fence& fence) override { return impl_.Fenced(fence); }
  Status Ping() override { return impl_.Ping(); }

 private:
  Impl& impl_;
  const Fence& fence_;
};

}  // namespace retrain
