#include "engine/runtime/response_stream.h"

#include <thread>

#include "gtest/gtest.h"

namespace llm {
namespace {

llm::v1::GenerateResponse WithId(const std::string& id) {
  llm::v1::GenerateResponse response;
  response.set_request_id(id);
  return response;
}

TEST(ResponseStreamTest, WaitReadyTimesOutWhileNothingIsReady) {
  ResponseStream stream;
  EXPECT_FALSE(stream.WaitReady(absl::Milliseconds(5)));
}

TEST(ResponseStreamTest, DeliversResponsesInOrderThenTheEnd) {
  ResponseStream stream;
  stream.Push(WithId("a"));
  stream.Push(WithId("b"));
  stream.Close();
  ASSERT_TRUE(stream.WaitReady(absl::ZeroDuration()));
  EXPECT_EQ(stream.Next()->request_id(), "a");
  EXPECT_EQ(stream.Next()->request_id(), "b");
  ASSERT_TRUE(stream.WaitReady(absl::ZeroDuration()));  // The end is ready too.
  EXPECT_FALSE(stream.Next().has_value());
}

TEST(ResponseStreamTest, WaitReadyWakesWhenTheProducerPushes) {
  ResponseStream stream;
  std::thread producer([&stream] {
    absl::SleepFor(absl::Milliseconds(20));
    stream.Push(WithId("late"));
  });
  EXPECT_TRUE(stream.WaitReady(absl::Seconds(10)));
  EXPECT_EQ(stream.Next()->request_id(), "late");
  producer.join();
}

TEST(ResponseStreamTest, CancelIsSeenByTheProducer) {
  ResponseStream stream;
  EXPECT_FALSE(stream.cancelled());
  stream.Cancel();
  EXPECT_TRUE(stream.cancelled());
}

}  // namespace
}  // namespace llm
