// The engine replicas the gateway forwards to. Each address gets one gRPC channel; a
// background thread asks every engine's grpc.health.v1 service at a fixed interval (and
// a newly serving engine for its ModelInfo), so request handlers read the latest health
// and model without waiting on the network. Requests go to the serving engine with the
// fewest calls in flight.
//
// Thread-safety: all public methods are thread-safe.
#ifndef LLM_GATEWAY_UPSTREAM_ENGINE_POOL_H_
#define LLM_GATEWAY_UPSTREAM_ENGINE_POOL_H_

#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/host_port.h"
#include "grpcpp/channel.h"
#include "llm/v1/engine.grpc.pb.h"

namespace llm {

struct EngineHealth {
  std::string address;  // HOST:PORT as configured.
  bool serving = false;
  std::string detail;  // Why not serving: the gRPC error or health status.
};

class EnginePool {
 public:
  // Starts health checks of `engines` every `interval`; each check waits at most
  // `interval` too. All engines count as not serving until their first answer.
  EnginePool(const std::vector<HostPort>& engines, absl::Duration interval);
  ~EnginePool();

  EnginePool(const EnginePool&) = delete;
  EnginePool& operator=(const EnginePool&) = delete;

  // The latest known health of each engine, in configuration order.
  std::vector<EngineHealth> Health() const;

  // How many engines answered SERVING at their latest check.
  int ServingCount() const;

  // A serving engine, not one of `exclude` (indices of engines already tried), with the
  // fewest calls in flight; nullopt if there is none. Release it when the call ends.
  struct Lease {
    int index = -1;
    std::string address;
    llm::v1::Engine::Stub* stub = nullptr;
  };
  std::optional<Lease> Acquire(const std::vector<int>& exclude);
  void Release(const Lease& lease);

  // The served model as an engine last described it; nullopt until one has.
  std::optional<llm::v1::ModelInfoResponse> ModelInfo() const;

 private:
  struct Engine {
    std::string address;
    std::shared_ptr<grpc::Channel> channel;
    std::unique_ptr<llm::v1::Engine::Stub> stub;
  };

  void PollLoop();
  EngineHealth Check(const Engine& engine) const;
  std::optional<llm::v1::ModelInfoResponse> FetchModelInfo(const Engine& engine) const;

  const absl::Duration interval_;
  std::vector<Engine> engines_;  // Immutable after construction.

  mutable absl::Mutex mu_;
  std::vector<EngineHealth> health_ ABSL_GUARDED_BY(mu_);
  std::vector<int> in_flight_ ABSL_GUARDED_BY(mu_);
  std::optional<llm::v1::ModelInfoResponse> model_info_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;

  std::thread poller_;
};

}  // namespace llm

#endif  // LLM_GATEWAY_UPSTREAM_ENGINE_POOL_H_
