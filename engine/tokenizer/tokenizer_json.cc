#include "engine/tokenizer/tokenizer_json.h"

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "common/json_file.h"
#include "common/status_macros.h"
#include "rapidjson/document.h"

namespace llm {
namespace {

namespace fs = std::filesystem;
using rapidjson::Value;

constexpr absl::string_view kSpaceMark = "\xE2\x96\x81";  // ▁

bool TypeIs(const Value& v, absl::string_view type) {
  return v.IsObject() && v.HasMember("type") && v["type"].IsString() &&
         absl::string_view(v["type"].GetString()) == type;
}

// The members of a Sequence (pre-tokenizers or normalizers), or the value itself.
std::vector<const Value*> Parts(const Value& v, const char* list_key) {
  std::vector<const Value*> parts;
  if (TypeIs(v, "Sequence") && v.HasMember(list_key) && v[list_key].IsArray()) {
    for (const Value& part : v[list_key].GetArray()) parts.push_back(&part);
  } else if (v.IsObject()) {
    parts.push_back(&v);
  }
  return parts;
}

absl::StatusOr<PreTokenizer> ByteLevelPreTokenizer(const std::vector<const Value*>& parts,
                                                   const std::string& path) {
  bool digits = false;
  for (const Value* part : parts) {
    if (TypeIs(*part, "Split") && (*part)["pattern"].IsObject() &&
        (*part)["pattern"].HasMember("Regex")) {
      absl::StatusOr<PreTokenizer> kind =
          PreTokenizerFromRegex((*part)["pattern"]["Regex"].GetString());
      if (!kind.ok())
        return absl::UnimplementedError(absl::StrCat(path, ": ", kind.status().message()));
      return kind;
    }
    if (TypeIs(*part, "Digits")) digits = true;
    if (TypeIs(*part, "ByteLevel")) {
      const bool regex = !part->HasMember("use_regex") || (*part)["use_regex"].GetBool();
      if (!regex) break;
      return digits ? PreTokenizer::kDigitsThenGpt2 : PreTokenizer::kGpt2;
    }
  }
  return absl::UnimplementedError(
      absl::StrCat(path, ": this byte-level pre-tokenizer is not supported yet"));
}

// Llama-2 style: normalizer Prepend("▁") + Replace(" ", "▁"); newer files: Metaspace.
bool SentencePieceSpacePrefix(const Value& normalizer, const Value& pre_tokenizer) {
  for (const Value* part : Parts(normalizer, "normalizers")) {
    if (TypeIs(*part, "Prepend") && (*part)["prepend"].IsString() &&
        absl::string_view((*part)["prepend"].GetString()) == kSpaceMark) {
      return true;
    }
  }
  for (const Value* part : Parts(pre_tokenizer, "pretokenizers")) {
    if (!TypeIs(*part, "Metaspace")) continue;
    if (part->HasMember("prepend_scheme") && (*part)["prepend_scheme"].IsString()) {
      return absl::string_view((*part)["prepend_scheme"].GetString()) != "never";
    }
    return part->HasMember("add_prefix_space") && (*part)["add_prefix_space"].GetBool();
  }
  return false;
}

bool HasPart(const Value& v, const char* list_key, absl::string_view type) {
  for (const Value* part : Parts(v, list_key)) {
    if (TypeIs(*part, type)) return true;
  }
  return false;
}

}  // namespace

absl::StatusOr<TokenizerSpec> TokenizerSpecFromHfDirectory(const std::string& dir) {
  const std::string path = (fs::path(dir) / "tokenizer.json").string();
  ASSIGN_OR_RETURN(const rapidjson::Document json, ReadJsonObject(path));
  auto error = [&path](absl::string_view what) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", what));
  };
  if (!json.HasMember("model") || !json["model"].IsObject()) return error("no model");
  const Value& model = json["model"];
  if (!TypeIs(model, "BPE")) {
    return absl::UnimplementedError(
        absl::StrCat(path, ": only BPE tokenizer models are supported"));
  }
  if (!model.HasMember("vocab") || !model["vocab"].IsObject()) return error("model has no vocab");

  TokenizerSpec spec;
  auto place = [&spec](int64_t id, std::string text) {
    if (spec.tokens.size() <= static_cast<size_t>(id)) {
      spec.tokens.resize(id + 1);
      spec.control.resize(id + 1, false);
      spec.whole.resize(id + 1, false);
    }
    spec.tokens[id] = std::move(text);
  };
  for (const auto& entry : model["vocab"].GetObject()) {
    if (!entry.value.IsInt() || entry.value.GetInt() < 0 || entry.value.GetInt() > (1 << 24)) {
      return error(absl::StrCat("vocab id of ", entry.name.GetString(), " is not valid"));
    }
    place(entry.value.GetInt(), std::string(entry.name.GetString(), entry.name.GetStringLength()));
  }
  if (json.HasMember("added_tokens") && json["added_tokens"].IsArray()) {
    for (const Value& added : json["added_tokens"].GetArray()) {
      if (!added.IsObject() || !added["id"].IsInt() || added["id"].GetInt() < 0 ||
          added["id"].GetInt() > (1 << 24) || !added["content"].IsString()) {
        return error("malformed added_tokens entry");
      }
      const int id = added["id"].GetInt();
      place(id, std::string(added["content"].GetString(), added["content"].GetStringLength()));
      spec.whole[id] = true;
      spec.control[id] = added.HasMember("special") && added["special"].GetBool();
    }
  }
  if (model.HasMember("merges") && model["merges"].IsArray()) {
    for (const Value& merge : model["merges"].GetArray()) {
      if (merge.IsString()) {
        spec.merges.emplace_back(merge.GetString(), merge.GetStringLength());
      } else if (merge.IsArray() && merge.Size() == 2 && merge[0].IsString() &&
                 merge[1].IsString()) {
        spec.merges.push_back(absl::StrCat(merge[0].GetString(), " ", merge[1].GetString()));
      } else {
        return error("malformed merges entry");
      }
    }
  }
  spec.ignore_merges = model.HasMember("ignore_merges") && model["ignore_merges"].IsBool() &&
                       model["ignore_merges"].GetBool();
  const Value null;
  const Value& pre = json.HasMember("pre_tokenizer") ? json["pre_tokenizer"] : null;
  const Value& normalizer = json.HasMember("normalizer") ? json["normalizer"] : null;
  if (HasPart(pre, "pretokenizers", "ByteLevel")) {
    spec.kind = TokenizerSpec::Kind::kByteLevelBpe;
    ASSIGN_OR_RETURN(spec.pre_tokenizer, ByteLevelPreTokenizer(Parts(pre, "pretokenizers"), path));
  } else if ((model.HasMember("byte_fallback") && model["byte_fallback"].GetBool()) ||
             HasPart(pre, "pretokenizers", "Metaspace") ||
             HasPart(normalizer, "normalizers", "Replace")) {
    spec.kind = TokenizerSpec::Kind::kSentencePiece;
    spec.add_space_prefix = SentencePieceSpacePrefix(normalizer, pre);
  } else {
    return absl::UnimplementedError(
        absl::StrCat(path, ": this pre-tokenizer is not supported yet"));
  }
  auto id_of = [&spec](absl::string_view text) -> int32_t {
    for (size_t id = 0; id < spec.tokens.size(); ++id) {
      if (spec.tokens[id] == text) return static_cast<int32_t>(id);
    }
    return -1;
  };
  if (model.HasMember("unk_token") && model["unk_token"].IsString()) {
    spec.unk_id = id_of(model["unk_token"].GetString());
  }

  // BOS: tokenizer_config.json when it says; else the post-processor's template.
  const Value* post = json.HasMember("post_processor") ? &json["post_processor"] : nullptr;
  if (post != nullptr && TypeIs(*post, "TemplateProcessing") && (*post)["single"].IsArray() &&
      !(*post)["single"].Empty() && (*post)["single"][0].HasMember("SpecialToken")) {
    spec.add_bos = true;
    spec.bos_id = id_of((*post)["single"][0]["SpecialToken"]["id"].GetString());
  }
  const std::string config_path = (fs::path(dir) / "tokenizer_config.json").string();
  if (fs::exists(config_path)) {
    ASSIGN_OR_RETURN(const rapidjson::Document config, ReadJsonObject(config_path));
    if (config.HasMember("add_bos_token") && config["add_bos_token"].IsBool()) {
      spec.add_bos = config["add_bos_token"].GetBool();
    }
    if (config.HasMember("bos_token")) {
      const Value& bos = config["bos_token"];
      if (bos.IsString()) spec.bos_id = id_of(bos.GetString());
      if (bos.IsObject() && bos.HasMember("content") && bos["content"].IsString()) {
        spec.bos_id = id_of(bos["content"].GetString());
      }
    }
  }
  return spec;
}

}  // namespace llm
