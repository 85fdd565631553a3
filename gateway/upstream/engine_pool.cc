#include "gateway/upstream/engine_pool.h"

#include <algorithm>

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
    std::shared_ptr<grpc::Channel> channel =
        grpc::CreateChannel(address.ToString(), grpc::InsecureChannelCredentials());
    engines_.push_back({address.ToString(), channel, llm::v1::Engine::NewStub(channel)});
    health_.push_back({address.ToString(), false, "not checked yet"});
    in_flight_.push_back(0);
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

std::optional<EnginePool::Lease> EnginePool::Acquire(const std::vector<int>& exclude) {
  absl::MutexLock lock(&mu_);
  int best = -1;
  for (int i = 0; i < static_cast<int>(engines_.size()); ++i) {
    if (!health_[i].serving || std::find(exclude.begin(), exclude.end(), i) != exclude.end()) {
      continue;
    }
    if (best < 0 || in_flight_[i] < in_flight_[best]) best = i;
  }
  if (best < 0) return std::nullopt;
  ++in_flight_[best];
  return Lease{best, engines_[best].address, engines_[best].stub.get()};
}

void EnginePool::Release(const Lease& lease) {
  absl::MutexLock lock(&mu_);
  --in_flight_[lease.index];
}

std::optional<llm::v1::ModelInfoResponse> EnginePool::ModelInfo() const {
  absl::MutexLock lock(&mu_);
  return model_info_;
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

std::optional<llm::v1::ModelInfoResponse> EnginePool::FetchModelInfo(const Engine& engine) const {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + interval_));
  llm::v1::ModelInfoResponse response;
  if (!engine.stub->ModelInfo(&context, llm::v1::ModelInfoRequest(), &response).ok()) {
    return std::nullopt;
  }
  return response;
}

void EnginePool::PollLoop() {
  while (true) {
    std::vector<EngineHealth> latest;
    for (const Engine& engine : engines_) latest.push_back(Check(engine));
    // The model is asked for again while no engine has described it, and whenever an
    // engine turns SERVING (a replacement replica may serve a new deployment).
    std::optional<llm::v1::ModelInfoResponse> info;
    {
      absl::MutexLock lock(&mu_);
      for (size_t i = 0; i < engines_.size() && !info; ++i) {
        if (!latest[i].serving || (health_[i].serving && model_info_)) continue;
        mu_.Unlock();
        info = FetchModelInfo(engines_[i]);
        mu_.Lock();
      }
    }
    absl::MutexLock lock(&mu_);
    health_ = std::move(latest);
    if (info) model_info_ = std::move(info);
    // Sleep one interval, waking at once when the pool is destroyed.
    auto stopping = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) { return stopping_; };
    if (mu_.AwaitWithTimeout(absl::Condition(&stopping), interval_)) return;
  }
}

}  // namespace llm
