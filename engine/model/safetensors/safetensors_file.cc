#include "engine/model/safetensors/safetensors_file.h"

#include <filesystem>
#include <optional>
#include <set>

#include "absl/strings/str_cat.h"
#include "common/json_file.h"
#include "common/status_macros.h"
#include "rapidjson/document.h"

namespace llm {
namespace {

// The reference reader's limit on the JSON header.
constexpr uint64_t kMaxHeaderBytes = 100 << 20;

std::optional<DType> DTypeFromName(absl::string_view name) {
  if (name == "F32") return DType::kF32;
  if (name == "F16") return DType::kF16;
  if (name == "BF16") return DType::kBF16;
  return std::nullopt;
}

absl::Status Invalid(const std::string& path, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(path, ": ", what));
}

}  // namespace

absl::Status SafetensorsFile::AddFile(const std::string& path) {
  ASSIGN_OR_RETURN(std::unique_ptr<MappedFile> file, MappedFile::Open(path));
  const uint8_t* base = file->data();
  const size_t size = file->size();
  if (size < 8) return Invalid(path, "truncated: no header length");
  uint64_t header_bytes = 0;
  for (int i = 7; i >= 0; --i) header_bytes = (header_bytes << 8) | base[i];
  if (header_bytes > kMaxHeaderBytes || header_bytes > size - 8) {
    return Invalid(path, absl::StrCat("header of ", header_bytes, " bytes does not fit in the ",
                                      size, "-byte file"));
  }
  rapidjson::Document header;
  header.Parse(reinterpret_cast<const char*>(base + 8), header_bytes);
  if (header.HasParseError() || !header.IsObject()) {
    return Invalid(path, "header is not a JSON object");
  }
  const uint8_t* data = base + 8 + header_bytes;
  const size_t data_bytes = size - 8 - header_bytes;
  for (auto it = header.MemberBegin(); it != header.MemberEnd(); ++it) {
    const std::string name(it->name.GetString(), it->name.GetStringLength());
    if (name == "__metadata__") continue;
    const rapidjson::Value& info = it->value;
    if (!info.IsObject() || !info.HasMember("dtype") || !info["dtype"].IsString() ||
        !info.HasMember("shape") || !info["shape"].IsArray() || !info.HasMember("data_offsets") ||
        !info["data_offsets"].IsArray() || info["data_offsets"].Size() != 2) {
      return Invalid(path, absl::StrCat("tensor ", name, ": malformed entry"));
    }
    const std::string dtype = info["dtype"].GetString();
    const std::optional<DType> type = DTypeFromName(dtype);
    if (!type.has_value()) {
      return Invalid(path, absl::StrCat("tensor ", name, " has dtype ", dtype,
                                        ", which this engine does not support (F32, F16, BF16)"));
    }
    SafetensorsTensor tensor{name, *type, {}, nullptr, 0};
    uint64_t elements = 1;
    for (const rapidjson::Value& dim : info["shape"].GetArray()) {
      if (!dim.IsUint64() || dim.GetUint64() > (uint64_t{1} << 40) ||
          elements > (uint64_t{1} << 40) / std::max<uint64_t>(dim.GetUint64(), 1)) {
        return Invalid(path, absl::StrCat("tensor ", name, " has an impossible shape"));
      }
      elements *= dim.GetUint64();
      tensor.shape.push_back(static_cast<int64_t>(dim.GetUint64()));
    }
    const rapidjson::Value& offsets = info["data_offsets"];
    if (!offsets[0].IsUint64() || !offsets[1].IsUint64()) {
      return Invalid(path, absl::StrCat("tensor ", name, ": data_offsets are not integers"));
    }
    const uint64_t begin = offsets[0].GetUint64(), end = offsets[1].GetUint64();
    const uint64_t expected = elements * Info(*type).block_bytes;
    if (begin > end || end - begin != expected) {
      return Invalid(path, absl::StrCat("tensor ", name, ": data_offsets [", begin, ", ", end,
                                        ") do not hold ", expected, " bytes of ", dtype));
    }
    if (end > data_bytes) {
      return Invalid(path, absl::StrCat("truncated: tensor ", name, " ends at byte ", end, " of a ",
                                        data_bytes, "-byte data buffer"));
    }
    tensor.data = data + begin;
    tensor.bytes = end - begin;
    if (!index_.emplace(name, tensors_.size()).second) {
      return Invalid(path, absl::StrCat("tensor ", name, " appears twice"));
    }
    tensors_.push_back(std::move(tensor));
  }
  files_.push_back(std::move(file));
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<SafetensorsFile>> SafetensorsFile::Open(const std::string& path) {
  std::unique_ptr<SafetensorsFile> set(new SafetensorsFile());
  RETURN_IF_ERROR(set->AddFile(path));
  return set;
}

absl::StatusOr<std::unique_ptr<SafetensorsFile>> SafetensorsFile::OpenDirectory(
    const std::string& dir) {
  namespace fs = std::filesystem;
  const fs::path index_path = fs::path(dir) / "model.safetensors.index.json";
  if (!fs::exists(index_path)) return Open((fs::path(dir) / "model.safetensors").string());

  ASSIGN_OR_RETURN(const rapidjson::Document index, ReadJsonObject(index_path.string()));
  if (!index.HasMember("weight_map") || !index["weight_map"].IsObject()) {
    return Invalid(index_path.string(), "not a safetensors index (no weight_map object)");
  }
  std::set<std::string> shards;
  for (const auto& entry : index["weight_map"].GetObject()) {
    if (!entry.value.IsString())
      return Invalid(index_path.string(), "weight_map values must be file names");
    shards.insert(entry.value.GetString());
  }
  std::unique_ptr<SafetensorsFile> set(new SafetensorsFile());
  for (const std::string& shard : shards) {
    if (shard.find('/') != std::string::npos) {
      return Invalid(index_path.string(), absl::StrCat("shard '", shard, "' is not a file name"));
    }
    RETURN_IF_ERROR(set->AddFile((fs::path(dir) / shard).string()));
  }
  for (const auto& entry : index["weight_map"].GetObject()) {
    if (set->Find(entry.name.GetString()) == nullptr) {
      return Invalid(index_path.string(),
                     absl::StrCat("tensor ", entry.name.GetString(), " is not in its shard ",
                                  entry.value.GetString()));
    }
  }
  return set;
}

const SafetensorsTensor* SafetensorsFile::Find(absl::string_view name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : &tensors_[it->second];
}

}  // namespace llm
