#include "engine/model/gguf/gguf_builder.h"

#include "engine/model/gguf/gguf_file.h"

namespace llm {

void GgufBuilder::Str(std::string& out, const std::string& s) {
  Pod<uint64_t>(out, s.size());
  out += s;
}

void GgufBuilder::Key(const std::string& key, uint32_t type) {
  Str(metadata_, key);
  Pod<uint32_t>(metadata_, type);
  ++kv_count_;
}

void GgufBuilder::AddU32(const std::string& key, uint32_t value) {
  Key(key, 4);
  Pod(metadata_, value);
}

void GgufBuilder::AddF32(const std::string& key, float value) {
  Key(key, 6);
  Pod(metadata_, value);
}

void GgufBuilder::AddBool(const std::string& key, bool value) {
  Key(key, 7);
  Pod<uint8_t>(metadata_, value ? 1 : 0);
}

void GgufBuilder::AddString(const std::string& key, const std::string& value) {
  Key(key, 8);
  Str(metadata_, value);
}

void GgufBuilder::AddStrings(const std::string& key, const std::vector<std::string>& values) {
  Key(key, 9);
  Pod<uint32_t>(metadata_, 8);
  Pod<uint64_t>(metadata_, values.size());
  for (const std::string& s : values) Str(metadata_, s);
}

void GgufBuilder::AddI32s(const std::string& key, const std::vector<int32_t>& values) {
  Key(key, 9);
  Pod<uint32_t>(metadata_, 5);
  Pod<uint64_t>(metadata_, values.size());
  for (int32_t v : values) Pod(metadata_, v);
}

void GgufBuilder::AddTensor(const std::string& name, const std::vector<uint64_t>& shape, DType type,
                            const std::string& bytes) {
  Str(tensor_infos_, name);
  Pod<uint32_t>(tensor_infos_, static_cast<uint32_t>(shape.size()));
  for (uint64_t d : shape) Pod(tensor_infos_, d);
  Pod<uint32_t>(tensor_infos_, GgmlTypeId(type));
  Pod<uint64_t>(tensor_infos_, data_.size());
  data_ += bytes;
  data_.resize((data_.size() + 31) / 32 * 32, '\0');
  ++tensor_count_;
}

void GgufBuilder::AddF32Tensor(const std::string& name, const std::vector<uint64_t>& shape,
                               const std::vector<float>& values) {
  AddTensor(name, shape, DType::kF32,
            std::string(reinterpret_cast<const char*>(values.data()), values.size() * 4));
}

std::string GgufBuilder::Build() const {
  std::string out = "GGUF";
  Pod<uint32_t>(out, 3);
  Pod(out, tensor_count_);
  Pod(out, kv_count_);
  out += metadata_;
  out += tensor_infos_;
  out.resize((out.size() + 31) / 32 * 32, '\0');
  return out + data_;
}

}  // namespace llm
