#include "gateway/upstream/generate_call.h"

namespace llm {

std::shared_ptr<GenerateCall> GenerateCall::Start(llm::v1::Engine::Stub& stub,
                                                  const llm::v1::GenerateRequest& request,
                                                  absl::Duration deadline, ResponseFn on_response,
                                                  DoneFn on_done) {
  std::shared_ptr<GenerateCall> call(new GenerateCall(std::move(on_response), std::move(on_done)));
  call->self_ = call;
  call->request_ = request;
  call->context_.set_deadline(absl::ToChronoTime(absl::Now() + deadline));
  stub.async()->Generate(&call->context_, &call->request_, call.get());
  call->StartRead(&call->response_);
  call->StartCall();
  return call;
}

void GenerateCall::OnReadDone(bool ok) {
  if (!ok) return;  // The stream ended; OnDone follows.
  on_response_(std::move(response_));
  response_.Clear();
  StartRead(&response_);
}

void GenerateCall::OnDone(const grpc::Status& status) {
  // The callbacks' captures (the caller's state) may hold this call: let go of them, so
  // that a caller keeping the call does not keep itself alive through it.
  DoneFn on_done = std::move(on_done_);
  on_response_ = nullptr;
  on_done(status);
  // The last reference may be this one: nothing of *this is touched after the reset.
  std::shared_ptr<GenerateCall> self = std::move(self_);
}

}  // namespace llm
