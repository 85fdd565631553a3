#include "engine/model/model_source.h"

#include <filesystem>
#include <fstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"

namespace llm {
namespace {

namespace fs = std::filesystem;

bool IsRepoIdChar(char c) { return absl::ascii_isalnum(c) || c == '-' || c == '_' || c == '.'; }

// "owner/name" with the characters the HF hub allows.
bool LooksLikeRepoId(absl::string_view text) {
  const size_t slash = text.find('/');
  if (slash == absl::string_view::npos || slash == 0 || slash + 1 == text.size()) return false;
  if (text.find('/', slash + 1) != absl::string_view::npos) return false;
  return std::all_of(text.begin(), text.begin() + slash, IsRepoIdChar) &&
         std::all_of(text.begin() + slash + 1, text.end(), IsRepoIdChar);
}

std::string HubCacheDir(const EnvLookup& env) {
  if (std::string dir = env("HF_HUB_CACHE").value_or(""); !dir.empty()) return dir;
  if (std::string home = env("HF_HOME").value_or(""); !home.empty()) return home + "/hub";
  return absl::StrCat(env("HOME").value_or(""), "/.cache/huggingface/hub");
}

absl::StatusOr<ModelSource> GgufFile(const fs::path& path, absl::string_view given) {
  std::ifstream file(path, std::ios::binary);
  char magic[4] = {};
  if (!file.read(magic, sizeof(magic)) || absl::string_view(magic, 4) != "GGUF") {
    return absl::InvalidArgumentError(
        absl::StrCat("MODEL_PATH='", given, "': not a GGUF file (it does not start with 'GGUF')"));
  }
  return ModelSource{ModelFormat::kGguf, path.string(), std::string(given), path.stem().string()};
}

absl::StatusOr<ModelSource> HfDirectory(const fs::path& dir, absl::string_view given,
                                        std::string served_name) {
  if (!fs::is_regular_file(dir / "config.json")) {
    return absl::InvalidArgumentError(absl::StrCat(
        "MODEL_PATH='", given, "': directory has no config.json (expected Hugging Face layout)"));
  }
  return ModelSource{ModelFormat::kHfDirectory, dir.string(), std::string(given),
                     std::move(served_name)};
}

absl::StatusOr<ModelSource> CachedRepo(absl::string_view repo_id, const EnvLookup& env) {
  const fs::path repo_dir = fs::path(HubCacheDir(env)) /
                            absl::StrCat("models--", absl::StrReplaceAll(repo_id, {{"/", "--"}}));
  std::ifstream ref(repo_dir / "refs" / "main");
  std::string revision;
  if (!(ref >> revision) || !fs::is_directory(repo_dir / "snapshots" / revision)) {
    return absl::NotFoundError(absl::StrCat(
        "MODEL_PATH='", repo_id, "': not in the local Hugging Face cache (", repo_dir.string(),
        "); the engine does not download models: fetch it first (huggingface-cli download ",
        repo_id,
        ", with HUGGING_FACE_HUB_TOKEN for gated repos) or set MODEL_PATH to a "
        "directory or .gguf file"));
  }
  return HfDirectory(repo_dir / "snapshots" / revision, repo_id, std::string(repo_id));
}

}  // namespace

absl::StatusOr<ModelSource> ResolveModelSource(absl::string_view model_path, const EnvLookup& env) {
  const fs::path path{std::string(model_path)};
  std::error_code error;
  if (fs::is_directory(path, error)) {
    return HfDirectory(path, model_path, fs::absolute(path).filename().string());
  }
  if (fs::is_regular_file(path, error)) {
    if (!absl::EndsWithIgnoreCase(model_path, ".gguf")) {
      return absl::InvalidArgumentError(
          absl::StrCat("MODEL_PATH='", model_path,
                       "': a file must be a .gguf model; for safetensors give "
                       "the directory that holds config.json"));
    }
    return GgufFile(path, model_path);
  }
  if (LooksLikeRepoId(model_path) && !absl::StartsWith(model_path, ".")) {
    return CachedRepo(model_path, env);
  }
  return absl::NotFoundError(
      absl::StrCat("MODEL_PATH='", model_path, "': no such file or directory"));
}

}  // namespace llm
