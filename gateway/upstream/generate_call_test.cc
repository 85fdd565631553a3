// GenerateCall against a real gRPC server whose engine refuses every request at once.
#include "gateway/upstream/generate_call.h"

#include <memory>

#include "absl/synchronization/notification.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "gtest/gtest.h"

namespace llm {
namespace {

class RefusingEngine : public llm::v1::Engine::Service {
  grpc::Status Generate(grpc::ServerContext*, const llm::v1::GenerateRequest*,
                        grpc::ServerWriter<llm::v1::GenerateResponse>*) override {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "prompt too long");
  }
};

// The gateway keeps each call it starts (to cancel it when its client goes) while the
// call's callbacks hold the gateway's request state: once done, a call must let go of
// its callbacks, or the two keep each other alive (and with them the request's slot).
TEST(GenerateCallTest, LetsGoOfItsCallbacksWhenDone) {
  RefusingEngine engine;
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&engine);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  ASSERT_NE(server, nullptr);
  std::unique_ptr<llm::v1::Engine::Stub> stub = llm::v1::Engine::NewStub(
      grpc::CreateChannel("127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials()));

  auto state = std::make_shared<int>(0);
  const std::weak_ptr<int> watch = state;
  absl::Notification done;
  grpc::Status status;
  std::shared_ptr<GenerateCall> call = GenerateCall::Start(
      *stub, llm::v1::GenerateRequest(), absl::Seconds(10),
      [state](llm::v1::GenerateResponse) { ++*state; },
      [state, &status, &done](const grpc::Status& s) {
        status = s;
        done.Notify();
      });
  state.reset();
  ASSERT_TRUE(done.WaitForNotificationWithTimeout(absl::Seconds(10)));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(), "prompt too long");
  // OnDone returns right after on_done: give it the moment.
  for (int i = 0; i < 500 && !watch.expired(); ++i) absl::SleepFor(absl::Milliseconds(2));
  EXPECT_TRUE(watch.expired()) << "the finished call still holds its callbacks";
  server->Shutdown();
}

}  // namespace
}  // namespace llm
