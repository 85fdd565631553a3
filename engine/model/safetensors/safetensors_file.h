// Reads Hugging Face safetensors files (format: huggingface/safetensors README):
// 8 bytes of little-endian header length N, N bytes of JSON mapping tensor names to
// {dtype, shape, data_offsets}, then the data buffer. Tensor data stays in the memory
// map. A sharded checkpoint (model.safetensors.index.json) opens as one set. Every
// offset is checked against the file, so truncated or garbled files give an error
// naming the file and the problem.
//
// Immutable after Open; safe to read from many threads.
#ifndef LLM_ENGINE_MODEL_SAFETENSORS_SAFETENSORS_FILE_H_
#define LLM_ENGINE_MODEL_SAFETENSORS_SAFETENSORS_FILE_H_

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

struct SafetensorsTensor {
  std::string name;
  DType type = DType::kF32;
  std::vector<int64_t> shape;  // Row-major, outermost first (PyTorch order).
  const uint8_t* data = nullptr;
  size_t bytes = 0;
};

class SafetensorsFile {
 public:
  // One .safetensors file.
  static absl::StatusOr<std::unique_ptr<SafetensorsFile>> Open(const std::string& path);

  // Every tensor of a checkpoint directory: model.safetensors.index.json's shards, or
  // the single model.safetensors.
  static absl::StatusOr<std::unique_ptr<SafetensorsFile>> OpenDirectory(const std::string& dir);

  const SafetensorsTensor* Find(absl::string_view name) const;
  const std::vector<SafetensorsTensor>& tensors() const { return tensors_; }

 private:
  SafetensorsFile() = default;
  absl::Status AddFile(const std::string& path);

  std::vector<std::unique_ptr<MappedFile>> files_;
  std::vector<SafetensorsTensor> tensors_;
  absl::flat_hash_map<std::string, size_t> index_;
};

}  // namespace llm

#endif  // LLM_ENGINE_MODEL_SAFETENSORS_SAFETENSORS_FILE_H_
