// A tensor-parallel group whose ranks are threads of this process (the CPU backend):
// the ranks meet at a barrier and read each other's buffers directly. Sums run in rank
// order on every rank, so all ranks get the same bits.
#ifndef LLM_ENGINE_PARALLEL_LOCAL_COMMUNICATOR_H_
#define LLM_ENGINE_PARALLEL_LOCAL_COMMUNICATOR_H_

#include <memory>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "engine/parallel/communicator.h"

namespace llm {

class LocalGroup {
 public:
  explicit LocalGroup(int size);
  ~LocalGroup();

  int size() const { return static_cast<int>(ranks_.size()); }

  // The communicator rank `r` uses; rank r's calls must come from one thread at a time.
  Communicator& rank(int r);

 private:
  class Rank;

  // Returns once every rank has arrived.
  void Arrive();

  std::vector<std::unique_ptr<Rank>> ranks_;
  // What each rank offers to the current collective, set before the first barrier.
  std::vector<const float*> buffers_;
  std::vector<int64_t> counts_;

  absl::Mutex mu_;
  int arrived_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t generation_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace llm

#endif  // LLM_ENGINE_PARALLEL_LOCAL_COMMUNICATOR_H_
