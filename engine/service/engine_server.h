// The engine's gRPC server: llm.v1.Engine, the standard grpc.health.v1 service and
// server reflection on one port. Health reports NOT_SERVING until the model is loaded
// (SetServing) and again from the start of a shutdown, so load balancers and Kubernetes
// probes send work only to an engine that can take it.
//
// Thread-safety: all methods may be called from any thread.
#ifndef LLM_ENGINE_SERVICE_ENGINE_SERVER_H_
#define LLM_ENGINE_SERVICE_ENGINE_SERVER_H_

#include <atomic>
#include <memory>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/host_port.h"
#include "grpcpp/server.h"
#include "llm/v1/engine.grpc.pb.h"

namespace llm {

class EngineServer {
 public:
  // Binds `listen` and starts serving `engine_service` (not owned; must outlive the
  // server). Health starts as NOT_SERVING.
  static absl::StatusOr<std::unique_ptr<EngineServer>> Start(
      const HostPort& listen, llm::v1::Engine::Service* engine_service);
  ~EngineServer();

  // The bound port (useful when `listen` asked for port 0).
  int port() const { return port_; }

  // Sets what grpc.health.v1 answers, for the whole server and for llm.v1.Engine.
  void SetServing(bool serving);

  // Reports NOT_SERVING, refuses new calls, lets calls in flight run until `grace` has
  // passed, then cancels the rest. Returns when the server has stopped.
  void Shutdown(absl::Duration grace);

 private:
  explicit EngineServer(std::unique_ptr<grpc::Server> server, int port)
      : server_(std::move(server)), port_(port) {}

  std::unique_ptr<grpc::Server> server_;
  int port_;
  std::atomic<bool> shut_down_{false};
};

}  // namespace llm

#endif  // LLM_ENGINE_SERVICE_ENGINE_SERVER_H_
