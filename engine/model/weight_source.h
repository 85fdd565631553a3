// A model's tensors by their GGUF names (token_embd.weight, blk.N.attn_q.weight, ...),
// whatever file format holds them, so one loader serves GGUF files and HF checkpoints.
// Shapes are row-major, outermost first: a matrix is [rows (outputs), cols (inputs)].
// Owns the files it reads (tensor data stays in their memory maps); immutable.
#ifndef LLM_ENGINE_MODEL_WEIGHT_SOURCE_H_
#define LLM_ENGINE_MODEL_WEIGHT_SOURCE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "engine/model/gguf/gguf_file.h"
#include "engine/model/safetensors/safetensors_file.h"
#include "engine/tensor/dtype.h"

namespace llm {

struct TensorView {
  DType type = DType::kF32;
  std::vector<int64_t> shape;
  const uint8_t* data = nullptr;
};

class WeightSource {
 public:
  virtual ~WeightSource() = default;
  // The file or directory, for error messages.
  virtual const std::string& path() const = 0;
  // The tensor GGUF calls `name`, or nullopt when the model has none.
  virtual std::optional<TensorView> Find(absl::string_view name) const = 0;
  // The tensor's name in this file format, for error messages.
  virtual std::string FileName(absl::string_view name) const { return std::string(name); }
};

std::unique_ptr<WeightSource> GgufWeights(std::unique_ptr<GgufFile> gguf);

// An HF checkpoint: GGUF names map to HF's (model.layers.N.self_attn.q_proj.weight, ...).
std::unique_ptr<WeightSource> SafetensorsWeights(std::unique_ptr<SafetensorsFile> file,
                                                 std::string dir);

// The HF name of a GGUF tensor name, or nullopt for names HF Llama checkpoints lack.
std::optional<std::string> HfTensorName(absl::string_view gguf_name);

}  // namespace llm

#endif  // LLM_ENGINE_MODEL_WEIGHT_SOURCE_H_
