#include "common/env.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace llm {
namespace {

using testing::HasSubstr;

TEST(EnvTest, BoolAcceptsCommonSpellings) {
  EnvLookup env = MapEnv({{"A", "TRUE"}, {"B", "0"}, {"C", " yes "}, {"D", ""}});
  EXPECT_EQ(EnvBool(env, "A", false).value(), true);
  EXPECT_EQ(EnvBool(env, "B", true).value(), false);
  EXPECT_EQ(EnvBool(env, "C", false).value(), true);
  EXPECT_EQ(EnvBool(env, "D", true).value(), true);
  EXPECT_EQ(EnvBool(env, "UNSET", false).value(), false);
}

TEST(EnvTest, BoolRejectsOtherValuesNamingTheVariable) {
  absl::StatusOr<bool> value = EnvBool(MapEnv({{"USE_INT", "maybe"}}), "USE_INT", false);
  ASSERT_FALSE(value.ok());
  EXPECT_THAT(value.status().message(), HasSubstr("USE_INT='maybe'"));
}

TEST(EnvTest, IntChecksRange) {
  EnvLookup env = MapEnv({{"N", "7"}, {"BIG", "1000"}, {"TEXT", "3x"}});
  EXPECT_EQ(EnvInt(env, "N", 3, 1, 100).value(), 7);
  EXPECT_EQ(EnvInt(env, "UNSET", 3, 1, 100).value(), 3);
  EXPECT_THAT(EnvInt(env, "BIG", 3, 1, 100).status().message(), HasSubstr("from 1 to 100"));
  EXPECT_FALSE(EnvInt(env, "TEXT", 3, 1, 100).ok());
}

}  // namespace
}  // namespace llm
