#include "engine/parallel/local_communicator.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace llm {

class LocalGroup::Rank : public Communicator {
 public:
  Rank(LocalGroup& group, int rank) : group_(group), rank_(rank) {}

  int rank() const override { return rank_; }
  int size() const override { return group_.size(); }

  absl::Status AllReduceSum(float* data, int64_t n) override {
    absl::Status status = Offer(data, n);
    if (status.ok()) {
      sum_.assign(group_.buffers_[0], group_.buffers_[0] + n);
      for (int r = 1; r < size(); ++r) {
        const float* other = group_.buffers_[r];
        for (int64_t i = 0; i < n; ++i) sum_[i] += other[i];
      }
    }
    group_.Arrive();  // Every rank has read every buffer: each may now overwrite its own.
    if (status.ok()) std::copy(sum_.begin(), sum_.end(), data);
    return status;
  }

  absl::Status AllGather(const float* in, int64_t n, float* out) override {
    absl::Status status = Offer(in, n);
    if (status.ok()) {
      for (int r = 0; r < size(); ++r) std::copy_n(group_.buffers_[r], n, out + r * n);
    }
    group_.Arrive();
    return status;
  }

 private:
  // Publishes this rank's buffer and waits for the others'; an error on every rank if
  // the ranks disagree on the size.
  absl::Status Offer(const float* data, int64_t n) {
    group_.buffers_[rank_] = data;
    group_.counts_[rank_] = n;
    group_.Arrive();
    for (int r = 0; r < size(); ++r) {
      if (group_.counts_[r] != n) {
        return absl::InvalidArgumentError(absl::StrCat("collective of ", n, " values on rank ",
                                                       rank_, " but ", group_.counts_[r],
                                                       " on rank ", r));
      }
    }
    return absl::OkStatus();
  }

  LocalGroup& group_;
  const int rank_;
  std::vector<float> sum_;
};

LocalGroup::LocalGroup(int size) : buffers_(size), counts_(size) {
  for (int r = 0; r < size; ++r) ranks_.push_back(std::make_unique<Rank>(*this, r));
}

LocalGroup::~LocalGroup() = default;

Communicator& LocalGroup::rank(int r) { return *ranks_[r]; }

void LocalGroup::Arrive() {
  absl::MutexLock lock(&mu_);
  const uint64_t generation = generation_;
  if (++arrived_ == size()) {
    arrived_ = 0;
    ++generation_;
    return;
  }
  // Blocking, not spinning: the ranks may outnumber the cores.
  auto passed = [this, generation]()
                    ABSL_SHARED_LOCKS_REQUIRED(mu_) { return generation_ != generation; };
  mu_.Await(absl::Condition(&passed));
}

}  // namespace llm
