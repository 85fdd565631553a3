// EnginePool against real gRPC servers that run the standard health service.
#include "gateway/upstream/engine_pool.h"

#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "gtest/gtest.h"

namespace llm {
namespace {

std::unique_ptr<grpc::Server> StartHealthServer(int* port) {
  grpc::EnableDefaultHealthCheckService(true);
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), port);
  return builder.BuildAndStart();
}

// Polls `condition` until it holds or five seconds pass.
template <typename F>
bool Eventually(F condition) {
  const absl::Time deadline = absl::Now() + absl::Seconds(5);
  while (absl::Now() < deadline) {
    if (condition()) return true;
    absl::SleepFor(absl::Milliseconds(20));
  }
  return false;
}

TEST(EnginePoolTest, FollowsEachEnginesHealth) {
  int port = 0;
  std::unique_ptr<grpc::Server> engine = StartHealthServer(&port);
  ASSERT_NE(engine, nullptr);
  engine->GetHealthCheckService()->SetServingStatus(false);

  // The second address has nothing listening.
  int unused_port = 0;
  StartHealthServer(&unused_port)->Shutdown();
  EnginePool pool({{"127.0.0.1", port}, {"127.0.0.1", unused_port}}, absl::Milliseconds(100));

  ASSERT_TRUE(Eventually([&] { return pool.Health()[0].detail == "NOT_SERVING"; }));
  EXPECT_EQ(pool.ServingCount(), 0);

  engine->GetHealthCheckService()->SetServingStatus(true);
  ASSERT_TRUE(Eventually([&] { return pool.ServingCount() == 1; }));
  const std::vector<EngineHealth> health = pool.Health();
  EXPECT_TRUE(health[0].serving);
  EXPECT_FALSE(health[1].serving);
  EXPECT_EQ(health[1].address, "127.0.0.1:" + std::to_string(unused_port));

  engine->Shutdown();
  EXPECT_TRUE(Eventually([&] { return pool.ServingCount() == 0; }));
}

}  // namespace
}  // namespace llm
