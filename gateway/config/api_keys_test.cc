#include "gateway/config/api_keys.h"

#include <fstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace llm {
namespace {

using testing::ElementsAre;
using testing::HasSubstr;

TEST(ApiKeysTest, ReadsTheVariableAndTheFile) {
  const std::string path = testing::TempDir() + "/keys.txt";
  std::ofstream(path) << "# team keys\nsk-file-1\n\n  sk-file-2  \n";
  absl::StatusOr<std::vector<std::string>> keys =
      LoadApiKeys(MapEnv({{"GATEWAY_API_KEYS", "sk-a, sk-b,,"}}), path);
  ASSERT_TRUE(keys.ok()) << keys.status();
  EXPECT_THAT(*keys, ElementsAre("sk-a", "sk-b", "sk-file-1", "sk-file-2"));
}

TEST(ApiKeysTest, NoneConfiguredIsOpen) {
  absl::StatusOr<std::vector<std::string>> keys = LoadApiKeys(MapEnv({}), "");
  ASSERT_TRUE(keys.ok());
  EXPECT_TRUE(keys->empty());
}

TEST(ApiKeysTest, AMissingFileIsAnError) {
  absl::StatusOr<std::vector<std::string>> keys = LoadApiKeys(MapEnv({}), "/nonexistent/keys");
  EXPECT_THAT(keys.status().message(), HasSubstr("/nonexistent/keys"));
}

}  // namespace
}  // namespace llm
