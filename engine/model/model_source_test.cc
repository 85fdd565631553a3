#include "engine/model/model_source.h"

#include <filesystem>
#include <fstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace llm {
namespace {

namespace fs = std::filesystem;
using testing::HasSubstr;

class ModelSourceTest : public testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::path(testing::TempDir()) /
            testing::UnitTest::GetInstance()->current_test_info()->name();
    fs::remove_all(root_);
    fs::create_directories(root_);
  }

  void Write(const fs::path& path, const std::string& content) {
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << content;
  }

  fs::path root_;
};

TEST_F(ModelSourceTest, FindsGgufFiles) {
  Write(root_ / "tiny.Q8_0.gguf", std::string("GGUF\x03\0\0\0", 8));
  absl::StatusOr<ModelSource> source =
      ResolveModelSource((root_ / "tiny.Q8_0.gguf").string(), MapEnv({}));
  ASSERT_TRUE(source.ok()) << source.status();
  EXPECT_EQ(source->format, ModelFormat::kGguf);
  EXPECT_EQ(source->served_name, "tiny.Q8_0");
}

TEST_F(ModelSourceTest, RejectsFilesThatAreNotGguf) {
  Write(root_ / "fake.gguf", "PK\x03\x04");
  Write(root_ / "model.safetensors", "{}");
  EXPECT_THAT(ResolveModelSource((root_ / "fake.gguf").string(), MapEnv({})).status().message(),
              HasSubstr("not a GGUF file"));
  EXPECT_THAT(
      ResolveModelSource((root_ / "model.safetensors").string(), MapEnv({})).status().message(),
      HasSubstr("directory that holds config.json"));
}

TEST_F(ModelSourceTest, FindsHfDirectories) {
  Write(root_ / "my-model" / "config.json", "{}");
  absl::StatusOr<ModelSource> source =
      ResolveModelSource((root_ / "my-model").string(), MapEnv({}));
  ASSERT_TRUE(source.ok()) << source.status();
  EXPECT_EQ(source->format, ModelFormat::kHfDirectory);
  EXPECT_EQ(source->served_name, "my-model");

  fs::create_directories(root_ / "empty");
  EXPECT_THAT(ResolveModelSource((root_ / "empty").string(), MapEnv({})).status().message(),
              HasSubstr("no config.json"));
}

TEST_F(ModelSourceTest, FindsRepoIdsInTheHfCache) {
  const fs::path repo = root_ / "hub" / "models--meta-llama--Llama-2-7b-hf";
  Write(repo / "refs" / "main", "abc123\n");
  Write(repo / "snapshots" / "abc123" / "config.json", "{}");
  absl::StatusOr<ModelSource> source = ResolveModelSource(
      "meta-llama/Llama-2-7b-hf", MapEnv({{"HF_HUB_CACHE", (root_ / "hub").string()}}));
  ASSERT_TRUE(source.ok()) << source.status();
  EXPECT_EQ(source->path, (repo / "snapshots" / "abc123").string());
  EXPECT_EQ(source->served_name, "meta-llama/Llama-2-7b-hf");

  absl::StatusOr<ModelSource> missing =
      ResolveModelSource("meta-llama/Llama-2-13b-chat-hf", MapEnv({{"HF_HOME", root_.string()}}));
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(missing.status().message(), HasSubstr("does not download"));
  EXPECT_THAT(missing.status().message(),
              HasSubstr((root_ / "hub" / "models--meta-llama--Llama-2-13b-chat-hf").string()));
}

TEST_F(ModelSourceTest, MissingPathsAreNotFound) {
  absl::StatusOr<ModelSource> source =
      ResolveModelSource((root_ / "nope" / "x.gguf").string(), MapEnv({}));
  EXPECT_EQ(source.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(source.status().message(), HasSubstr("no such file"));
}

}  // namespace
}  // namespace llm
