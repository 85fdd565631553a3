// Reads a JSON file that must hold an object (config.json, tokenizer.json, ...).
#ifndef LLM_COMMON_JSON_FILE_H_
#define LLM_COMMON_JSON_FILE_H_

#include <string>

#include "absl/status/statusor.h"
#include "rapidjson/document.h"

namespace llm {

// NOT_FOUND if the file cannot be read, INVALID_ARGUMENT if it is not a JSON object;
// both name the file.
absl::StatusOr<rapidjson::Document> ReadJsonObject(const std::string& path);

}  // namespace llm

#endif  // LLM_COMMON_JSON_FILE_H_
