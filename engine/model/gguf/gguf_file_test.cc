#include "engine/model/gguf/gguf_file.h"

#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace llm {
namespace {

using testing::HasSubstr;

// Writes GGUF v3 bytes as gguf.md lays them out.
class GgufBuilder {
 public:
  template <typename T>
  void Pod(T value) {
    const char* p = reinterpret_cast<const char*>(&value);
    header_.append(p, sizeof(T));
  }
  void Str(const std::string& s) {
    Pod<uint64_t>(s.size());
    header_ += s;
  }
  void KeyU32(const std::string& key, uint32_t v) {
    Str(key);
    Pod<uint32_t>(4);
    Pod(v);
    ++kv_;
  }
  void KeyF32(const std::string& key, float v) {
    Str(key);
    Pod<uint32_t>(6);
    Pod(v);
    ++kv_;
  }
  void KeyStr(const std::string& key, const std::string& v) {
    Str(key);
    Pod<uint32_t>(8);
    Str(v);
    ++kv_;
  }
  void KeyStrings(const std::string& key, const std::vector<std::string>& v) {
    Str(key);
    Pod<uint32_t>(9);
    Pod<uint32_t>(8);
    Pod<uint64_t>(v.size());
    for (const std::string& s : v) Str(s);
    ++kv_;
  }
  void KeyI32s(const std::string& key, const std::vector<int32_t>& v) {
    Str(key);
    Pod<uint32_t>(9);
    Pod<uint32_t>(5);
    Pod<uint64_t>(v.size());
    for (int32_t x : v) Pod(x);
    ++kv_;
  }
  // A tensor of f32 values; `shape` in ggml order.
  void TensorF32(const std::string& name, std::vector<uint64_t> shape,
                 const std::vector<float>& values) {
    tensors_.Str(name);
    tensors_.Pod<uint32_t>(shape.size());
    for (uint64_t d : shape) tensors_.Pod(d);
    tensors_.Pod<uint32_t>(0);
    tensors_.Pod<uint64_t>(data_.size());
    data_.append(reinterpret_cast<const char*>(values.data()), values.size() * 4);
    data_.resize((data_.size() + 31) / 32 * 32, '\0');
    ++tensor_count_;
  }

  std::string Build() const {
    std::string out = "GGUF";
    auto pod = [&out](auto v) { out.append(reinterpret_cast<const char*>(&v), sizeof(v)); };
    pod(uint32_t{3});
    pod(uint64_t{static_cast<uint64_t>(tensor_count_)});
    pod(uint64_t{static_cast<uint64_t>(kv_)});
    out += header_;
    out += tensors_.header_;
    out.resize((out.size() + 31) / 32 * 32, '\0');
    return out + data_;
  }

 private:
  std::string header_;
  std::string data_;
  int kv_ = 0;
  int tensor_count_ = 0;
  struct Raw {
    std::string header_;
    template <typename T>
    void Pod(T value) {
      header_.append(reinterpret_cast<const char*>(&value), sizeof(T));
    }
    void Str(const std::string& s) {
      Pod<uint64_t>(s.size());
      header_ += s;
    }
  } tensors_;
};

std::string SampleFile() {
  GgufBuilder b;
  b.KeyStr("general.architecture", "llama");
  b.KeyU32("llama.block_count", 2);
  b.KeyF32("llama.rope.freq_base", 10000.5f);
  b.KeyStrings("tokenizer.ggml.tokens", {"<s>", "a", "héllo"});
  b.KeyI32s("tokenizer.ggml.token_type", {3, 1, 1});
  b.TensorF32("token_embd.weight", {4, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
  // 8 floats fill the last 32-byte slot: no padding, so every cut loses data.
  b.TensorF32("output_norm.weight", {8}, {0.5f, 0.25f, 2, 4, 1, 1, 1, 1});
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
