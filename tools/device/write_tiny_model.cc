// Writes a small random-weight Llama GGUF (engine/model/tiny_llama_gguf.h, fixed seed) for
// the GPU checks, where no model can be downloaded: the CPU and CUDA backends must agree on
// it. Hidden 256, MLP 768, 4 layers, 8 heads over 4 kv heads (head_dim 32), vocab 512.
//   write_tiny_model OUT.gguf
#include <cstdio>
#include <fstream>

#include "engine/model/tiny_llama_gguf.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: write_tiny_model OUT.gguf\n");
    return 2;
  }
  const std::string bytes = llm::TinyLlamaGguf(
      {.vocab = 512, .hidden = 256, .ffn = 768, .layers = 4, .heads = 8, .kv_heads = 4});
  std::ofstream out(argv[1], std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return out ? 0 : 1;
}
