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

bool ResponseStream::Ready() const { return !queue_.empty() || closed_; }

bool ResponseStream::WaitReady(absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  return mu_.AwaitWithTimeout(absl::Condition(this, &ResponseStream::Ready), timeout);
}

std::optional<llm::v1::GenerateResponse> ResponseStream::Next() {
  absl::MutexLock lock(&mu_);
  mu_.Await(absl::Condition(this, &ResponseStream::Ready));
  if (queue_.empty()) return std::nullopt;
  llm::v1::GenerateResponse response = std::move(queue_.front());
  queue_.pop_front();
  return response;
}

}  // namespace llm
