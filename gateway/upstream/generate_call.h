// One streaming Generate call to an engine, on gRPC's callback API: no thread waits on
// it; responses and the end arrive on gRPC's threads, in order.
//
// Thread-safety: Cancel may be called from any thread at any time.
#ifndef LLM_GATEWAY_UPSTREAM_GENERATE_CALL_H_
#define LLM_GATEWAY_UPSTREAM_GENERATE_CALL_H_

#include <functional>
#include <memory>

#include "absl/time/time.h"
#include "grpcpp/client_context.h"
#include "grpcpp/support/client_callback.h"
#include "llm/v1/engine.grpc.pb.h"

namespace llm {

class GenerateCall : public grpc::ClientReadReactor<llm::v1::GenerateResponse> {
 public:
  using ResponseFn = std::function<void(llm::v1::GenerateResponse)>;
  using DoneFn = std::function<void(const grpc::Status&)>;

  // Starts the call; `on_response` runs for each response, then `on_done` once, after
  // which the call holds neither. The call keeps itself alive until then, and may end
  // before Start returns. `deadline` bounds the whole call.
  static std::shared_ptr<GenerateCall> Start(llm::v1::Engine::Stub& stub,
                                             const llm::v1::GenerateRequest& request,
                                             absl::Duration deadline, ResponseFn on_response,
                                             DoneFn on_done);

  // Ends the call early (the engine frees its sequence); on_done gets CANCELLED.
  void Cancel() { context_.TryCancel(); }

 private:
  GenerateCall(ResponseFn on_response, DoneFn on_done)
      : on_response_(std::move(on_response)), on_done_(std::move(on_done)) {}

  void OnReadDone(bool ok) override;
  void OnDone(const grpc::Status& status) override;

  grpc::ClientContext context_;
  llm::v1::GenerateRequest request_;
  llm::v1::GenerateResponse response_;
  ResponseFn on_response_;
  DoneFn on_done_;
  std::shared_ptr<GenerateCall> self_;  // Held until OnDone.
};

}  // namespace llm

#endif  // LLM_GATEWAY_UPSTREAM_GENERATE_CALL_H_
