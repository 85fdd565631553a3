#include "engine/service/engine_server.h"

#include "absl/strings/str_cat.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"

namespace llm {
namespace {

using grpc::health::v1::Health;
using grpc::health::v1::HealthCheckRequest;
using grpc::health::v1::HealthCheckResponse;

class EngineServerTest : public testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<EngineServer>> server =
        EngineServer::Start({"127.0.0.1", 0}, &service_);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    channel_ = grpc::CreateChannel(absl::StrCat("127.0.0.1:", server_->port()),
                                   grpc::InsecureChannelCredentials());
  }

  HealthCheckResponse::ServingStatus Check(const std::string& service) {
    HealthCheckRequest request;
    request.set_service(service);
    HealthCheckResponse response;
    grpc::ClientContext context;
    grpc::Status status = Health::NewStub(channel_)->Check(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.status();
  }

  llm::v1::Engine::Service service_;
  std::unique_ptr<EngineServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
};

TEST_F(EngineServerTest, HealthFollowsLoadAndShutdown) {
  EXPECT_EQ(Check(""), HealthCheckResponse::NOT_SERVING);
  server_->SetServing(true);
  EXPECT_EQ(Check(""), HealthCheckResponse::SERVING);
  EXPECT_EQ(Check("llm.v1.Engine"), HealthCheckResponse::SERVING);
  server_->Shutdown(absl::Seconds(1));
  server_->SetServing(true);  // A shut-down server never reports SERVING again.
}

TEST_F(EngineServerTest, SecondServerOnTheSamePortFails) {
  llm::v1::Engine::Service other;
  absl::StatusOr<std::unique_ptr<EngineServer>> second =
      EngineServer::Start({"127.0.0.1", server_->port()}, &other);
  EXPECT_FALSE(second.ok());
}

}  // namespace
}  // namespace llm
