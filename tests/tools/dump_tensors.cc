// Test helper: decodes tensors of a model file with the engine's readers and CPU
// dequantizer and writes each as raw little-endian f32 to OUT_DIR/<name>.f32, so tests
// can compare the engine's reading with independent libraries (gguf-py, safetensors).
//   dump_tensors MODEL OUT_DIR [TENSOR ...]   (no names: every tensor)
// MODEL is a .gguf file, a .safetensors file, or a directory holding a (sharded)
// safetensors checkpoint.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <vector>

#include "absl/strings/match.h"
#include "engine/backend/cpu/dequantize.h"
#include "engine/model/gguf/gguf_file.h"
#include "engine/model/safetensors/safetensors_file.h"

namespace {

// One tensor to write: its name, type, row length, rows and data.
struct Item {
  std::string name;
  llm::DType type;
  int64_t row, rows;
  const uint8_t* data;
};

int Fail(const absl::Status& status) {
  std::fprintf(stderr, "%s\n", std::string(status.message()).c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: dump_tensors MODEL OUT_DIR [TENSOR ...]\n");
    return 2;
  }
  const std::string path = argv[1];
  std::vector<Item> items;
  std::unique_ptr<llm::GgufFile> gguf;
  std::unique_ptr<llm::SafetensorsFile> safetensors;
  if (absl::EndsWith(path, ".gguf")) {
    auto opened = llm::GgufFile::Open(path);
    if (!opened.ok()) return Fail(opened.status());
    gguf = *std::move(opened);
    for (const llm::GgufTensor& t : gguf->tensors()) {
      items.push_back({t.name, t.type, t.shape[0], t.rows(), t.data});
    }
  } else {
    auto opened = std::filesystem::is_directory(path) ? llm::SafetensorsFile::OpenDirectory(path)
                                                      : llm::SafetensorsFile::Open(path);
    if (!opened.ok()) return Fail(opened.status());
    safetensors = *std::move(opened);
    for (const llm::SafetensorsTensor& t : safetensors->tensors()) {
      const int64_t row = t.shape.empty() ? 1 : t.shape.back();
      int64_t elements = 1;
      for (int64_t d : t.shape) elements *= d;
      items.push_back({t.name, t.type, row, row == 0 ? 0 : elements / row, t.data});
    }
  }
  for (const Item& item : items) {
    bool wanted = argc == 3;
    for (int i = 3; i < argc; ++i) wanted = wanted || item.name == argv[i];
    if (!wanted) continue;
    std::vector<float> values(item.row * item.rows);
    const size_t row_bytes = llm::RowBytes(item.type, item.row);
    for (int64_t r = 0; r < item.rows; ++r) {
      llm::cpu::DequantizeRow(item.type, item.data + r * row_bytes, item.row,
                              values.data() + r * item.row);
    }
    std::ofstream(std::string(argv[2]) + "/" + item.name + ".f32", std::ios::binary)
        .write(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float));
  }
  return 0;
}
