// Test support: writes GGUF v3 files as gguf.md lays them out, so tests can make small
// models and garbled variants of them. Not for production use.
#ifndef LLM_ENGINE_MODEL_GGUF_GGUF_BUILDER_H_
#define LLM_ENGINE_MODEL_GGUF_GGUF_BUILDER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "engine/tensor/dtype.h"

namespace llm {

class GgufBuilder {
 public:
  void AddU32(const std::string& key, uint32_t value);
  void AddF32(const std::string& key, float value);
  void AddBool(const std::string& key, bool value);
  void AddString(const std::string& key, const std::string& value);
  void AddStrings(const std::string& key, const std::vector<std::string>& values);
  void AddI32s(const std::string& key, const std::vector<int32_t>& values);

  // A tensor with `shape` in ggml order (shape[0] contiguous) and its stored bytes.
  void AddTensor(const std::string& name, const std::vector<uint64_t>& shape, DType type,
                 const std::string& bytes);
  void AddF32Tensor(const std::string& name, const std::vector<uint64_t>& shape,
                    const std::vector<float>& values);

  // The file's bytes (32-byte alignment).
  std::string Build() const;

 private:
  template <typename T>
  static void Pod(std::string& out, T value) {
    out.append(reinterpret_cast<const char*>(&value), sizeof(T));
  }
  static void Str(std::string& out, const std::string& s);
  void Key(const std::string& key, uint32_t type);

  std::string metadata_, tensor_infos_, data_;
  uint64_t kv_count_ = 0, tensor_count_ = 0;
};

}  // namespace llm

#endif  // LLM_ENGINE_MODEL_GGUF_GGUF_BUILDER_H_
