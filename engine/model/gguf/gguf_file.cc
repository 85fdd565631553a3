#include "engine/model/gguf/gguf_file.h"

#include <cstring>
#include <optional>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace llm {
namespace {

constexpr uint64_t kMaxDims = 4;
constexpr uint64_t kMaxDimSize = uint64_t{1} << 40;

// ggml_type ids (ggml.h) of the types the engine computes with.
constexpr std::pair<uint32_t, DType> kGgmlTypes[] = {
    {0, DType::kF32},   {1, DType::kF16},   {2, DType::kQ4_0},  {3, DType::kQ4_1},
    {6, DType::kQ5_0},  {7, DType::kQ5_1},  {8, DType::kQ8_0},  {12, DType::kQ4_K},
    {13, DType::kQ5_K}, {14, DType::kQ6_K}, {30, DType::kBF16},
};

std::optional<DType> DTypeFromGgml(uint32_t id) {
  for (const auto& [ggml_id, type] : kGgmlTypes) {
    if (ggml_id == id) return type;
  }
  return std::nullopt;
}

size_t ScalarSize(GgufType type) {
  switch (type) {
    case GgufType::kU8:
    case GgufType::kI8:
    case GgufType::kBool:
      return 1;
    case GgufType::kU16:
    case GgufType::kI16:
      return 2;
    case GgufType::kU32:
    case GgufType::kI32:
    case GgufType::kF32:
      return 4;
    case GgufType::kU64:
    case GgufType::kI64:
    case GgufType::kF64:
      return 8;
    case GgufType::kString:
    case GgufType::kArray:
      return 0;
  }
  return 0;
}

// Widens a scalar of `type` at `raw` into every numeric field of `value`.
void Widen(GgufType type, const uint8_t* raw, GgufValue& value) {
  auto load = [raw](auto sample) {
    decltype(sample) x;
    std::memcpy(&x, raw, sizeof(x));
    return x;
  };
  switch (type) {
    case GgufType::kU8:
    case GgufType::kBool:
      value.u = load(uint8_t{});
      break;
    case GgufType::kU16:
      value.u = load(uint16_t{});
      break;
    case GgufType::kU32:
      value.u = load(uint32_t{});
      break;
    case GgufType::kU64:
      value.u = load(uint64_t{});
      break;
    case GgufType::kI8:
      value.i = load(int8_t{});
      break;
    case GgufType::kI16:
      value.i = load(int16_t{});
      break;
    case GgufType::kI32:
      value.i = load(int32_t{});
      break;
    case GgufType::kI64:
      value.i = load(int64_t{});
      break;
    case GgufType::kF32:
      value.f = load(float{});
      return;
    case GgufType::kF64:
      value.f = load(double{});
      return;
    default:
      return;
  }
  const bool is_signed = type == GgufType::kI8 || type == GgufType::kI16 ||
                         type == GgufType::kI32 || type == GgufType::kI64;
  if (is_signed) {
    value.u = value.i < 0 ? 0 : static_cast<uint64_t>(value.i);
    value.f = static_cast<double>(value.i);
  } else {
    value.i = static_cast<int64_t>(value.u);
    value.f = static_cast<double>(value.u);
  }
}

}  // namespace

// Walks the file with a bounds-checked cursor.
class GgufParser {
 public:
  explicit GgufParser(GgufFile& file)
      : gguf_(file), data_(file.file_->data()), size_(file.file_->size()) {}

  absl::Status Parse() {
    char magic[4];
    RETURN_IF_ERROR(Read(magic, 4, "the magic"));
    if (std::memcmp(magic, "GGUF", 4) != 0) return Error("not a GGUF file (bad magic)");
    RETURN_IF_ERROR(ReadPod(&gguf_.version_, "the version"));
    if (gguf_.version_ != 2 && gguf_.version_ != 3) {
      return Error(absl::StrCat("unsupported GGUF version ", gguf_.version_, " (need 2 or 3)"));
    }
    uint64_t tensor_count = 0, kv_count = 0;
    RETURN_IF_ERROR(ReadPod(&tensor_count, "the tensor count"));
    RETURN_IF_ERROR(ReadPod(&kv_count, "the metadata count"));
    // Each entry takes at least 8 bytes, which bounds the counts by the file size.
    if (tensor_count > size_ / 8 || kv_count > size_ / 8) {
      return Error("tensor or metadata count larger than the file can hold");
    }
    for (uint64_t k = 0; k < kv_count; ++k) RETURN_IF_ERROR(ReadKeyValue(k));
    for (uint64_t t = 0; t < tensor_count; ++t) RETURN_IF_ERROR(ReadTensorInfo(t));
    return PlaceTensorData();
  }

 private:
  absl::Status Error(absl::string_view what) const {
    return absl::InvalidArgumentError(absl::StrCat(gguf_.path(), ": ", what));
  }

  absl::Status Read(void* out, size_t bytes, absl::string_view what) {
    if (bytes > size_ - pos_) {
      return Error(absl::StrCat("truncated: ", what, " at byte ", pos_, " runs past the end (",
                                size_, " bytes)"));
    }
    std::memcpy(out, data_ + pos_, bytes);
    pos_ += bytes;
    return absl::OkStatus();
  }

  template <typename T>
  absl::Status ReadPod(T* out, absl::string_view what) {
    return Read(out, sizeof(T), what);
  }

  absl::StatusOr<absl::string_view> ReadString(absl::string_view what) {
    uint64_t length = 0;
    RETURN_IF_ERROR(ReadPod(&length, what));
    if (length > size_ - pos_) {
      return Error(absl::StrCat("truncated: ", what, " (", length, " bytes) at byte ", pos_,
                                " runs past the end"));
    }
    absl::string_view text(reinterpret_cast<const char*>(data_ + pos_), length);
    pos_ += length;
    return text;
  }

  absl::Status ReadValue(GgufType type, GgufValue& value, absl::string_view key) {
    value.type = type;
    switch (type) {
      case GgufType::kString: {
        ASSIGN_OR_RETURN(value.str, ReadString(absl::StrCat("the value of ", key)));
        return absl::OkStatus();
      }
      case GgufType::kArray:
        return ReadArray(value, key);
      default:
        break;
    }
    const size_t bytes = ScalarSize(type);
    if (bytes == 0) {
      return Error(
          absl::StrCat("metadata ", key, " has unknown type ", static_cast<uint32_t>(type)));
    }
    uint8_t raw[8] = {};
    RETURN_IF_ERROR(Read(raw, bytes, absl::StrCat("the value of ", key)));
    Widen(type, raw, value);
    return absl::OkStatus();
  }

  absl::Status ReadArray(GgufValue& value, absl::string_view key) {
    uint32_t element_type = 0;
    RETURN_IF_ERROR(ReadPod(&element_type, absl::StrCat("the array type of ", key)));
    RETURN_IF_ERROR(ReadPod(&value.count, absl::StrCat("the array length of ", key)));
    value.element_type = static_cast<GgufType>(element_type);
    if (value.element_type == GgufType::kString) {
      if (value.count > (size_ - pos_) / 8) return Error(absl::StrCat("truncated: array ", key));
      value.strings.reserve(value.count);
      for (uint64_t n = 0; n < value.count; ++n) {
        ASSIGN_OR_RETURN(absl::string_view s, ReadString(absl::StrCat(key, "[", n, "]")));
        value.strings.push_back(s);
      }
      return absl::OkStatus();
    }
    const size_t bytes = ScalarSize(value.element_type);
    if (bytes == 0) {
      return Error(
          absl::StrCat("metadata ", key, ": arrays of type ", element_type, " are not supported"));
    }
    if (value.count > (size_ - pos_) / bytes) {
      return Error(absl::StrCat("truncated: array ", key, " (", value.count,
                                " elements) runs past the end"));
    }
    value.elements = data_ + pos_;
    pos_ += value.count * bytes;
    return absl::OkStatus();
  }

  absl::Status ReadKeyValue(uint64_t index) {
    ASSIGN_OR_RETURN(absl::string_view key, ReadString(absl::StrCat("metadata key ", index)));
    uint32_t type = 0;
    RETURN_IF_ERROR(ReadPod(&type, absl::StrCat("the type of ", key)));
    GgufValue value;
    RETURN_IF_ERROR(ReadValue(static_cast<GgufType>(type), value, key));
    gguf_.metadata_[std::string(key)] = std::move(value);
    return absl::OkStatus();
  }

  absl::Status ReadTensorInfo(uint64_t index) {
    GgufTensor tensor;
    ASSIGN_OR_RETURN(absl::string_view name, ReadString(absl::StrCat("tensor name ", index)));
    tensor.name = std::string(name);
    uint32_t dims = 0;
    RETURN_IF_ERROR(ReadPod(&dims, absl::StrCat("the rank of ", name)));
    if (dims == 0 || dims > kMaxDims) {
      return Error(absl::StrCat("tensor ", name, " has rank ", dims, " (need 1 to 4)"));
    }
    int64_t elements = 1;
    for (uint32_t d = 0; d < dims; ++d) {
      uint64_t size = 0;
      RETURN_IF_ERROR(ReadPod(&size, absl::StrCat("the shape of ", name)));
      if (size == 0 || size > kMaxDimSize || elements > static_cast<int64_t>(kMaxDimSize) ||
          static_cast<uint64_t>(elements) * size > kMaxDimSize) {
        return Error(absl::StrCat("tensor ", name, " has an impossible shape"));
      }
      elements *= static_cast<int64_t>(size);
      tensor.shape.push_back(static_cast<int64_t>(size));
    }
    uint32_t ggml_type = 0;
    RETURN_IF_ERROR(ReadPod(&ggml_type, absl::StrCat("the type of ", name)));
    const std::optional<DType> type = DTypeFromGgml(ggml_type);
    if (!type.has_value()) {
      return Error(absl::StrCat("tensor ", name, " has ggml type ", ggml_type,
                                ", which this engine does not support (supported: F32, F16, "
                                "BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q4_K, Q5_K, Q6_K)"));
    }
    tensor.type = *type;
    if (tensor.shape[0] % Info(tensor.type).block_elements != 0) {
      return Error(absl::StrCat("tensor ", name, ": row length ", tensor.shape[0],
                                " is not a multiple of the ", Info(tensor.type).name,
                                " block size"));
    }
    tensor.bytes =
        RowBytes(tensor.type, tensor.shape[0]) * static_cast<size_t>(elements / tensor.shape[0]);
    uint64_t offset = 0;
    RETURN_IF_ERROR(ReadPod(&offset, absl::StrCat("the offset of ", name)));
    offsets_.push_back(offset);
    if (!gguf_.tensor_index_.emplace(tensor.name, gguf_.tensors_.size()).second) {
      return Error(absl::StrCat("tensor ", name, " appears twice"));
    }
    gguf_.tensors_.push_back(std::move(tensor));
    return absl::OkStatus();
  }

  absl::Status PlaceTensorData() {
    ASSIGN_OR_RETURN(const uint64_t alignment, gguf_.GetUIntOr("general.alignment", 32));
    if (alignment == 0 || (alignment & (alignment - 1)) != 0) {
      return Error(absl::StrCat("general.alignment ", alignment, " is not a power of two"));
    }
    const uint64_t data_start = (pos_ + alignment - 1) / alignment * alignment;
    for (size_t t = 0; t < gguf_.tensors_.size(); ++t) {
      GgufTensor& tensor = gguf_.tensors_[t];
      const uint64_t offset = offsets_[t];
      if (offset % alignment != 0) {
        return Error(absl::StrCat("tensor ", tensor.name, " data offset ", offset,
                                  " is not aligned to ", alignment));
      }
      if (data_start > size_ || offset > size_ - data_start ||
          tensor.bytes > size_ - data_start - offset) {
        return Error(absl::StrCat("truncated: tensor ", tensor.name, " (", tensor.bytes,
                                  " bytes at data offset ", offset, ") runs past the end of the ",
                                  size_, "-byte file"));
      }
      tensor.data = data_ + data_start + offset;
    }
    return absl::OkStatus();
  }

  GgufFile& gguf_;
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
  std::vector<uint64_t> offsets_;
};

uint32_t GgmlTypeId(DType type) {
  for (const auto& [ggml_id, t] : kGgmlTypes) {
    if (t == type) return ggml_id;
  }
  return 0;
}

int64_t GgufTensor::elements() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

absl::StatusOr<std::unique_ptr<GgufFile>> GgufFile::Open(const std::string& path) {
  std::unique_ptr<GgufFile> gguf(new GgufFile());
  ASSIGN_OR_RETURN(gguf->file_, MappedFile::Open(path));
  GgufParser parser(*gguf);
  RETURN_IF_ERROR(parser.Parse());
  return gguf;
}

const GgufTensor* GgufFile::FindTensor(absl::string_view name) const {
  auto it = tensor_index_.find(name);
  return it == tensor_index_.end() ? nullptr : &tensors_[it->second];
}

absl::StatusOr<const GgufValue*> GgufFile::Find(absl::string_view key) const {
  auto it = metadata_.find(key);
  if (it == metadata_.end()) {
    return absl::NotFoundError(absl::StrCat(path(), ": metadata key ", key, " is missing"));
  }
  return &it->second;
}

absl::Status GgufFile::TypeError(absl::string_view key, absl::string_view expected) const {
  return absl::InvalidArgumentError(
      absl::StrCat(path(), ": metadata key ", key, " is not ", expected));
}

namespace {

bool IsInteger(GgufType t) {
  return t == GgufType::kU8 || t == GgufType::kI8 || t == GgufType::kU16 || t == GgufType::kI16 ||
         t == GgufType::kU32 || t == GgufType::kI32 || t == GgufType::kU64 || t == GgufType::kI64;
}

bool IsNumber(GgufType t) { return IsInteger(t) || t == GgufType::kF32 || t == GgufType::kF64; }

}  // namespace

absl::StatusOr<uint64_t> GgufFile::GetUInt(absl::string_view key) const {
  ASSIGN_OR_RETURN(const GgufValue* value, Find(key));
  if (!IsInteger(value->type) || value->i < 0) return TypeError(key, "a non-negative integer");
  return value->u;
}

absl::StatusOr<double> GgufFile::GetFloat(absl::string_view key) const {
  ASSIGN_OR_RETURN(const GgufValue* value, Find(key));
  if (!IsNumber(value->type)) return TypeError(key, "a number");
  return value->f;
}

absl::StatusOr<bool> GgufFile::GetBool(absl::string_view key) const {
  ASSIGN_OR_RETURN(const GgufValue* value, Find(key));
  if (value->type != GgufType::kBool) return TypeError(key, "a bool");
  return value->u != 0;
}

absl::StatusOr<absl::string_view> GgufFile::GetString(absl::string_view key) const {
  ASSIGN_OR_RETURN(const GgufValue* value, Find(key));
  if (value->type != GgufType::kString) return TypeError(key, "a string");
  return value->str;
}

absl::StatusOr<const std::vector<absl::string_view>*> GgufFile::GetStringArray(
    absl::string_view key) const {
  ASSIGN_OR_RETURN(const GgufValue* value, Find(key));
  if (value->type != GgufType::kArray || value->element_type != GgufType::kString) {
    return TypeError(key, "an array of strings");
  }
  return &value->strings;
}

absl::StatusOr<std::vector<float>> GgufFile::GetFloatArray(absl::string_view key) const {
  ASSIGN_OR_RETURN(const GgufValue* value, Find(key));
  if (value->type != GgufType::kArray || !IsNumber(value->element_type)) {
    return TypeError(key, "an array of numbers");
  }
  std::vector<float> out(value->count);
  const size_t stride = ScalarSize(value->element_type);
  for (uint64_t n = 0; n < value->count; ++n) {
    GgufValue element;
    Widen(value->element_type, value->elements + n * stride, element);
    out[n] = static_cast<float>(element.f);
  }
  return out;
}

absl::StatusOr<std::vector<int64_t>> GgufFile::GetIntArray(absl::string_view key) const {
  ASSIGN_OR_RETURN(const GgufValue* value, Find(key));
  if (value->type != GgufType::kArray || !IsInteger(value->element_type)) {
    return TypeError(key, "an array of integers");
  }
  std::vector<int64_t> out(value->count);
  const size_t stride = ScalarSize(value->element_type);
  for (uint64_t n = 0; n < value->count; ++n) {
    GgufValue element;
    Widen(value->element_type, value->elements + n * stride, element);
    out[n] = element.i;
  }
  return out;
}

absl::StatusOr<uint64_t> GgufFile::GetUIntOr(absl::string_view key, uint64_t fallback) const {
  return Has(key) ? GetUInt(key) : absl::StatusOr<uint64_t>(fallback);
}

absl::StatusOr<double> GgufFile::GetFloatOr(absl::string_view key, double fallback) const {
  return Has(key) ? GetFloat(key) : absl::StatusOr<double>(fallback);
}

absl::StatusOr<bool> GgufFile::GetBoolOr(absl::string_view key, bool fallback) const {
  return Has(key) ? GetBool(key) : absl::StatusOr<bool>(fallback);
}

}  // namespace llm
