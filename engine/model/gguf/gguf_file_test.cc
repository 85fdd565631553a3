#include "engine/model/gguf/gguf_file.h"

#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>

#include "engine/model/gguf/gguf_builder.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace llm {
namespace {

using testing::HasSubstr;

std::string SampleFile() {
  GgufBuilder b;
  b.AddString("general.architecture", "llama");
  b.AddU32("llama.block_count", 2);
  b.AddF32("llama.rope.freq_base", 10000.5f);
  b.AddStrings("tokenizer.ggml.tokens", {"<s>", "a", "héllo"});
  b.AddI32s("tokenizer.ggml.token_type", {3, 1, 1});
  b.AddF32Tensor("token_embd.weight", {4, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
  // 8 floats fill the last 32-byte slot: no padding, so every cut loses data.
  b.AddF32Tensor("output_norm.weight", {8}, {0.5f, 0.25f, 2, 4, 1, 1, 1, 1});
  return b.Build();
}

class GgufFileTest : public testing::Test {
 protected:
  std::string Write(const std::string& bytes, const std::string& name = "model.gguf") {
    const std::string path = testing::TempDir() + "/" + name;
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
  }
};

TEST_F(GgufFileTest, ReadsMetadataAndTensors) {
  absl::StatusOr<std::unique_ptr<GgufFile>> gguf = GgufFile::Open(Write(SampleFile()));
  ASSERT_TRUE(gguf.ok()) << gguf.status();
  const GgufFile& f = **gguf;
  EXPECT_EQ(f.version(), 3u);
  EXPECT_EQ(f.GetString("general.architecture").value(), "llama");
  EXPECT_EQ(f.GetUInt("llama.block_count").value(), 2u);
  EXPECT_FLOAT_EQ(f.GetFloat("llama.rope.freq_base").value(), 10000.5f);
  EXPECT_THAT(*f.GetStringArray("tokenizer.ggml.tokens").value(),
              testing::ElementsAre("<s>", "a", "héllo"));
  EXPECT_THAT(f.GetIntArray("tokenizer.ggml.token_type").value(), testing::ElementsAre(3, 1, 1));
  EXPECT_EQ(f.GetUIntOr("llama.context_length", 4096).value(), 4096u);

  const GgufTensor* embd = f.FindTensor("token_embd.weight");
  ASSERT_NE(embd, nullptr);
  EXPECT_THAT(embd->shape, testing::ElementsAre(4, 3));
  EXPECT_EQ(embd->rows(), 3);
  float values[12];
  std::memcpy(values, embd->data, sizeof(values));
  EXPECT_EQ(values[11], 12.0f);
  const GgufTensor* norm = f.FindTensor("output_norm.weight");
  ASSERT_NE(norm, nullptr);
  EXPECT_EQ(reinterpret_cast<const float*>(norm->data)[3], 4.0f);
}

TEST_F(GgufFileTest, WrongTypesAndMissingKeysNameTheKey) {
  std::unique_ptr<GgufFile> f = GgufFile::Open(Write(SampleFile())).value();
  EXPECT_EQ(f->GetUInt("llama.missing").status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(f->GetUInt("general.architecture").status().message(),
              HasSubstr("general.architecture is not a non-negative integer"));
  EXPECT_THAT(f->GetString("llama.block_count").status().message(), HasSubstr("model.gguf"));
}

TEST_F(GgufFileTest, EveryTruncationIsAClearError) {
  const std::string bytes = SampleFile();
  for (size_t length = 0; length < bytes.size(); ++length) {
    absl::StatusOr<std::unique_ptr<GgufFile>> gguf =
        GgufFile::Open(Write(bytes.substr(0, length), "truncated.gguf"));
    ASSERT_FALSE(gguf.ok()) << "length " << length;
    EXPECT_THAT(gguf.status().message(), HasSubstr("truncated.gguf: ")) << length;
  }
}

TEST_F(GgufFileTest, RandomByteFlipsNeverCrash) {
  const std::string bytes = SampleFile();
  std::mt19937 rng(7);
  int rejected = 0;
  for (int trial = 0; trial < 2000; ++trial) {
    std::string garbled = bytes;
    for (int flips = 0; flips < 1 + trial % 4; ++flips) {
      garbled[rng() % garbled.size()] ^= static_cast<char>(1 + rng() % 255);
    }
    absl::StatusOr<std::unique_ptr<GgufFile>> gguf = GgufFile::Open(Write(garbled, "flip.gguf"));
    if (!gguf.ok()) {
      ++rejected;
      EXPECT_THAT(gguf.status().message(), HasSubstr("flip.gguf")) << trial;
      continue;
    }
    // Whatever parsed must still lie inside the file.
    for (const GgufTensor& t : (*gguf)->tensors()) {
      EXPECT_LE(t.bytes, garbled.size());
    }
  }
  EXPECT_GT(rejected, 100);
}

TEST_F(GgufFileTest, BadMagicAndVersion) {
  std::string bytes = SampleFile();
  bytes[0] = 'X';
  EXPECT_THAT(GgufFile::Open(Write(bytes)).status().message(), HasSubstr("bad magic"));
  bytes = SampleFile();
  bytes[4] = 9;
  EXPECT_THAT(GgufFile::Open(Write(bytes)).status().message(),
              HasSubstr("unsupported GGUF version 9"));
  EXPECT_EQ(GgufFile::Open(testing::TempDir() + "/absent.gguf").status().code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace llm
