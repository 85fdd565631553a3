#include <atomic>
#include <cstdlib>
#include <string_view>

#include "kernels/common/launch.cuh"

namespace llm::kernels {
namespace {

// LLM_SERIAL_LAUNCHES=1 turns overlapping off for the process: a switch for operators,
// should a driver misbehave.
std::atomic<bool> wanted{[] {
  const char* serial = std::getenv("LLM_SERIAL_LAUNCHES");
  return serial == nullptr || std::string_view(serial) != "1";
}()};

bool Supported() {
  static const bool supported = [] {
    int device = 0, major = 0;
    return cudaGetDevice(&device) == cudaSuccess &&
           cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, device) ==
               cudaSuccess &&
           major >= 9;
  }();
  return supported;
}

}  // namespace

bool OverlappedLaunches() { return wanted.load(std::memory_order_relaxed) && Supported(); }

void SetOverlappedLaunches(bool on) { wanted.store(on, std::memory_order_relaxed); }

}  // namespace llm::kernels
