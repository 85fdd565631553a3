#include "engine/backend/cpu/thread_pool.h"

#include <immintrin.h>

#include <algorithm>

namespace llm::cpu {
namespace {

// About a millisecond of spinning before an idle worker sleeps.
constexpr int kSpinLimit = 20000;

}  // namespace

ThreadPool::ThreadPool(int threads) {
  for (int i = 1; i < std::max(threads, 1); ++i) {
    workers_.emplace_back([this] { WorkerLoop(); });
  }
}

ThreadPool::~ThreadPool() {
  stopping_.store(true);
  Publish();
  for (std::thread& worker : workers_) worker.join();
}

void ThreadPool::RunShare() {
  // Chunks are claimed as threads come free, so a thread slowed by the OS or by heavier
  // rows does not hold the others up. Each claim takes a share of what is left (guided
  // scheduling): few claims while much is left, and small last chunks, so the threads
  // finish close together.
  const int64_t shares = 2 * size();
  int64_t begin = job_next_.load(std::memory_order_relaxed);
  while (begin < job_n_) {
    const int64_t left = job_n_ - begin;
    const int64_t chunk = std::max(job_grain_, left / shares / job_grain_ * job_grain_);
    if (job_next_.compare_exchange_weak(begin, begin + chunk, std::memory_order_relaxed)) {
      (*job_)(begin, std::min(job_n_, begin + chunk));
      begin = job_next_.load(std::memory_order_relaxed);
    }
  }
}

void ThreadPool::Publish() {
  generation_.fetch_add(1);
  // A worker that went to sleep re-checks its condition when the mutex is released.
  if (sleepers_.load() > 0) absl::MutexLock lock(&mu_);
}

void ThreadPool::WorkerLoop() {
  uint64_t seen = 0;
  while (true) {
    int spins = 0;
    while (generation_.load(std::memory_order_acquire) == seen) {
      if (++spins < kSpinLimit) {
        _mm_pause();
        continue;
      }
      absl::MutexLock lock(&mu_);
      sleepers_.fetch_add(1);
      auto changed = [this, seen] { return generation_.load() != seen; };
      mu_.Await(absl::Condition(&changed));
      sleepers_.fetch_sub(1);
      spins = 0;
    }
    seen = generation_.load(std::memory_order_acquire);
    if (stopping_.load()) return;
    RunShare();
    pending_.fetch_sub(1, std::memory_order_acq_rel);
  }
}

void ThreadPool::ParallelFor(int64_t n, int64_t grain,
                             const std::function<void(int64_t, int64_t)>& fn) {
  if (workers_.empty() || n <= grain) {
    if (n > 0) fn(0, n);
    return;
  }
  job_ = &fn;
  job_n_ = n;
  job_grain_ = std::max<int64_t>(grain, 1);
  job_next_.store(0, std::memory_order_relaxed);
  pending_.store(static_cast<int>(workers_.size()), std::memory_order_release);
  Publish();
  RunShare();
  while (pending_.load(std::memory_order_acquire) != 0) _mm_pause();
}

}  // namespace llm::cpu
