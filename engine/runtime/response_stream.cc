#include "engine/runtime/response_stream.h"

namespace llm {

void ResponseStream::Push(llm::v1::GenerateResponse response) {
  absl::MutexLock lock(&mu_);
  queue_.push_back(std::move(response));
}

void ResponseStream::Close() {
  absl::MutexLock lock(&mu_);
  closed_ = true;
}

std::optional<llm::v1::GenerateResponse> ResponseStream::Next() {
  absl::MutexLock lock(&mu_);
  auto ready = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) { return !queue_.empty() || closed_; };
  mu_.Await(absl::Condition(&ready));
  if (queue_.empty()) return std::nullopt;
  llm::v1::GenerateResponse response = std::move(queue_.front());
  queue_.pop_front();
  return response;
}

}  // namespace llm
