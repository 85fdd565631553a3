#include "common/json_file.h"

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"

namespace llm {

absl::StatusOr<rapidjson::Document> ReadJsonObject(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot be read"));
  std::stringstream text;
  text << in.rdbuf();
  rapidjson::Document json;
  json.Parse(text.str().c_str());
  if (json.HasParseError() || !json.IsObject()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": not a JSON object"));
  }
  return json;
}

}  // namespace llm
