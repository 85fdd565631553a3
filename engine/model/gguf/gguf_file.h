// Reads a GGUF model file (format: ggml docs/gguf.md, versions 2 and 3): the metadata
// key/values and the tensor directory, with tensor data left in the memory map.
// Every size and offset is checked against the file, so a truncated or garbled file
// gives an error naming the file and what is wrong, never a crash.
//
// Immutable after Open; safe to read from many threads.
#ifndef LLM_ENGINE_MODEL_GGUF_GGUF_FILE_H_
#define LLM_ENGINE_MODEL_GGUF_GGUF_FILE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/mapped_file.h"
#include "engine/tensor/dtype.h"

namespace llm {

// GGUF metadata value types (gguf.md `gguf_metadata_value_type`).
enum class GgufType : uint32_t {
  kU8 = 0,
  kI8 = 1,
  kU16 = 2,
  kI16 = 3,
  kU32 = 4,
  kI32 = 5,
  kF32 = 6,
  kBool = 7,
  kString = 8,
  kArray = 9,
  kU64 = 10,
  kI64 = 11,
  kF64 = 12,
};

// One metadata value. Scalars are widened; strings and arrays point into the map.
struct GgufValue {
  GgufType type = GgufType::kU8;
  uint64_t u = 0;  // Unsigned integers and bool.
  int64_t i = 0;   // Signed integers (also set for unsigned values that fit).
  double f = 0;    // Floats (also set for integers).
  absl::string_view str;
  GgufType element_type = GgufType::kU8;  // Arrays: element type and count.
  uint64_t count = 0;
  const uint8_t* elements = nullptr;       // Arrays of numbers: the packed values.
  std::vector<absl::string_view> strings;  // Arrays of strings.
};

// The ggml_type id GGUF files use for `type`.
uint32_t GgmlTypeId(DType type);

struct GgufTensor {
  std::string name;
  DType type = DType::kF32;
  std::vector<int64_t> shape;  // ggml order: shape[0] is the contiguous dimension.
  const uint8_t* data = nullptr;
  size_t bytes = 0;

  int64_t elements() const;
  // Rows of shape[0] elements (the product of the other dimensions).
  int64_t rows() const { return elements() / shape[0]; }
};

class GgufFile {
 public:
  static absl::StatusOr<std::unique_ptr<GgufFile>> Open(const std::string& path);

  const std::string& path() const { return file_->path(); }
  uint32_t version() const { return version_; }
  const std::vector<GgufTensor>& tensors() const { return tensors_; }
  const GgufTensor* FindTensor(absl::string_view name) const;

  // Metadata accessors: NOT_FOUND when the key is absent, INVALID_ARGUMENT when it has
  // another type; both name the file and key.
  bool Has(absl::string_view key) const { return metadata_.contains(key); }
  absl::StatusOr<uint64_t> GetUInt(absl::string_view key) const;
  absl::StatusOr<double> GetFloat(absl::string_view key) const;
  absl::StatusOr<bool> GetBool(absl::string_view key) const;
  absl::StatusOr<absl::string_view> GetString(absl::string_view key) const;
  absl::StatusOr<const std::vector<absl::string_view>*> GetStringArray(absl::string_view key) const;
  absl::StatusOr<std::vector<float>> GetFloatArray(absl::string_view key) const;
  absl::StatusOr<std::vector<int64_t>> GetIntArray(absl::string_view key) const;

  // Optional keys: `fallback` when absent, an error only when present with a bad type.
  absl::StatusOr<uint64_t> GetUIntOr(absl::string_view key, uint64_t fallback) const;
  absl::StatusOr<double> GetFloatOr(absl::string_view key, double fallback) const;
  absl::StatusOr<bool> GetBoolOr(absl::string_view key, bool fallback) const;

 private:
  friend class GgufParser;
  GgufFile() = default;
  absl::StatusOr<const GgufValue*> Find(absl::string_view key) const;
  absl::Status TypeError(absl::string_view key, absl::string_view expected) const;

  std::unique_ptr<MappedFile> file_;
  uint32_t version_ = 0;
  absl::flat_hash_map<std::string, GgufValue> metadata_;
  std::vector<GgufTensor> tensors_;
  absl::flat_hash_map<std::string, size_t> tensor_index_;
};

}  // namespace llm

#endif  // LLM_ENGINE_MODEL_GGUF_GGUF_FILE_H_
