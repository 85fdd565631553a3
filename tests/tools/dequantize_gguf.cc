// Test helper: decodes tensors of a GGUF file with the engine's CPU dequantizer and
// writes each as raw little-endian f32 to OUT_DIR/<name>.f32, so tests can compare the
// engine's decoding with an independent reader (gguf-py).
//   dequantize_gguf MODEL.gguf OUT_DIR [TENSOR ...]   (no names: every tensor)
#include <cstdio>
#include <fstream>
#include <vector>

#include "engine/backend/cpu/dequantize.h"
#include "engine/model/gguf/gguf_file.h"

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: dequantize_gguf MODEL.gguf OUT_DIR [TENSOR ...]\n");
    return 2;
  }
  absl::StatusOr<std::unique_ptr<llm::GgufFile>> gguf = llm::GgufFile::Open(argv[1]);
  if (!gguf.ok()) {
    std::fprintf(stderr, "%s\n", std::string(gguf.status().message()).c_str());
    return 1;
  }
  std::vector<const llm::GgufTensor*> tensors;
  for (int i = 3; i < argc; ++i) {
    const llm::GgufTensor* t = (*gguf)->FindTensor(argv[i]);
    if (t == nullptr) {
      std::fprintf(stderr, "no tensor %s\n", argv[i]);
      return 1;
    }
    tensors.push_back(t);
  }
  if (argc == 3) {
    for (const llm::GgufTensor& t : (*gguf)->tensors()) tensors.push_back(&t);
  }
  for (const llm::GgufTensor* t : tensors) {
    std::vector<float> values(t->elements());
    const size_t row_bytes = llm::RowBytes(t->type, t->shape[0]);
    for (int64_t r = 0; r < t->rows(); ++r) {
      llm::cpu::DequantizeRow(t->type, t->data + r * row_bytes, t->shape[0],
                              values.data() + r * t->shape[0]);
    }
    std::ofstream(std::string(argv[2]) + "/" + t->name + ".f32", std::ios::binary)
        .write(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float));
  }
  return 0;
}
