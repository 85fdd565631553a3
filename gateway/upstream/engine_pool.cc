#include "gateway/upstream/engine_pool.h"

#include "absl/strings/str_cat.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"

namespace llm {

using grpc::health::v1::Health;
using grpc::health::v1::HealthCheckRequest;
using grpc::health::v1::HealthCheckResponse;

EnginePool::EnginePool(const std::vector<HostPort>& engines, absl::Duration interval)
    : interval_(interval) {
  for (const HostPort& address : engines) {
    engines_.push_back(
        {address.ToString(),
         grpc::CreateChannel(address.ToString(), grpc::InsecureChannelCredentials())});
    health_.push_back({address.ToString(), false, "not checked yet"});
  }
  poller_ = std::thread([this] { PollLoop(); });
}

EnginePool::~EnginePool() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  poller_.join();
}

std::vector<EngineHealth> EnginePool::Health() const {
  absl::MutexLock lock(&mu_);
  return health_;
}

int EnginePool::ServingCount() const {
  absl::MutexLock lock(&mu_);
  int serving = 0;
  for (const EngineHealth& health : health_) serving += health.serving ? 1 : 0;
  return serving;
}

EngineHealth EnginePool::Check(const Engine& engine) const {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + interval_));
  HealthCheckResponse response;
  const grpc::Status status =
      Health::NewStub(engine.channel)->Check(&context, HealthCheckRequest(), &response);
  if (!status.ok()) return {engine.address, false, status.error_message()};
  const bool serving = response.status() == HealthCheckResponse::SERVING;
  return {engine.address, serving, HealthCheckResponse::ServingStatus_Name(response.status())};
}

void EnginePool::PollLoop() {
  while (true) {
    std::vector<EngineHealth> latest;
    for (const Engine& engine : engines_) latest.push_back(Check(engine));
    absl::MutexLock lock(&mu_);
    health_ = std::move(latest);
    // Sleep one interval, waking at once when the pool is destroyed.
    auto stopping = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) { return stopping_; };
    if (mu_.AwaitWithTimeout(absl::Condition(&stopping), interval_)) return;
  }
}

}  // namespace llm
