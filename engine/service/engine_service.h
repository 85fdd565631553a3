// The llm.v1.Engine handlers. Generate validates a request, hands it to the engine loop
// and streams the loop's responses; Tokenize, Detokenize, ModelInfo and Load answer
// from the loaded model. Until SetModel, every call answers UNAVAILABLE (loading).
//
// Thread-safety: gRPC calls handlers on many threads; the model is immutable once set.
#ifndef LLM_ENGINE_SERVICE_ENGINE_SERVICE_H_
#define LLM_ENGINE_SERVICE_ENGINE_SERVICE_H_

#include <atomic>
#include <memory>
#include <string>

#include "engine/config/engine_config.h"
#include "engine/runtime/engine_loop.h"
#include "engine/runtime/loaded_model.h"
#include "engine/runtime/step_plan.h"
#include "llm/v1/engine.grpc.pb.h"

namespace llm {

class EngineService final : public llm::v1::Engine::Service {
 public:
  explicit EngineService(const EngineConfig& config) : config_(config) {}

  // The engine loop's Prometheus figures; empty while loading.
  std::string MetricsText() const;

  // Publishes the loaded model and starts the engine loop on `backend` (sampling on
  // `sampling_threads` threads); called once.
  void SetModel(std::unique_ptr<LoadedModel> model, std::unique_ptr<Backend> backend,
                const SchedulerLimits& limits, int sampling_threads = 1);

  grpc::Status Tokenize(grpc::ServerContext* context, const llm::v1::TokenizeRequest* request,
                        llm::v1::TokenizeResponse* response) override;
  grpc::Status Detokenize(grpc::ServerContext* context, const llm::v1::DetokenizeRequest* request,
                          llm::v1::DetokenizeResponse* response) override;
  grpc::Status ModelInfo(grpc::ServerContext* context, const llm::v1::ModelInfoRequest* request,
                         llm::v1::ModelInfoResponse* response) override;
  grpc::Status Load(grpc::ServerContext* context, const llm::v1::LoadRequest* request,
                    llm::v1::LoadFigures* response) override;
  grpc::Status Generate(grpc::ServerContext* context, const llm::v1::GenerateRequest* request,
                        grpc::ServerWriter<llm::v1::GenerateResponse>* writer) override;

 private:
  // The model, or nullptr while loading.
  const LoadedModel* model() const { return model_ready_.load() ? model_.get() : nullptr; }

  const EngineConfig config_;
  // Written once, before model_ready_ turns true.
  std::unique_ptr<LoadedModel> model_;
  std::unique_ptr<EngineLoop> loop_;
  std::atomic<bool> model_ready_{false};
  std::atomic<uint64_t> next_request_{0};
};

}  // namespace llm

#endif  // LLM_ENGINE_SERVICE_ENGINE_SERVICE_H_
