#include "gateway/config/api_keys.h"

#include <fstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace llm {

absl::StatusOr<std::vector<std::string>> LoadApiKeys(const EnvLookup& env,
                                                     const std::string& file) {
  std::vector<std::string> keys;
  if (std::optional<std::string> listed = env("GATEWAY_API_KEYS")) {
    for (absl::string_view key : absl::StrSplit(*listed, ',')) {
      key = absl::StripAsciiWhitespace(key);
      if (!key.empty()) keys.emplace_back(key);
    }
  }
  if (!file.empty()) {
    std::ifstream in(file);
    if (!in) return absl::NotFoundError(absl::StrCat("cannot read API keys file ", file));
    std::string line;
    while (std::getline(in, line)) {
      const absl::string_view key = absl::StripAsciiWhitespace(line);
      if (!key.empty() && key[0] != '#') keys.emplace_back(key);
    }
  }
  for (const std::string& key : keys) {
    if (key.find_first_of(" \t") != std::string::npos) {
      return absl::InvalidArgumentError("API keys must not contain spaces");
    }
  }
  return keys;
}

}  // namespace llm
