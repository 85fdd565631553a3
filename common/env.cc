#include "common/env.h"

#include <cstdlib>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace llm {

EnvLookup ProcessEnv() {
  return [](absl::string_view name) -> std::optional<std::string> {
    const char* value = std::getenv(std::string(name).c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

EnvLookup MapEnv(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](absl::string_view name) -> std::optional<std::string> {
    auto it = vars.find(std::string(name));
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

absl::StatusOr<bool> EnvBool(const EnvLookup& env, absl::string_view name, bool fallback) {
  const std::optional<std::string> raw = env(name);
  if (!raw.has_value() || raw->empty()) return fallback;
  const std::string value = absl::AsciiStrToLower(absl::StripAsciiWhitespace(*raw));
  if (value == "true" || value == "1" || value == "yes" || value == "on") return true;
  if (value == "false" || value == "0" || value == "no" || value == "off") return false;
  return absl::InvalidArgumentError(absl::StrCat(name, "='", *raw, "': expected true or false"));
}

absl::StatusOr<int> EnvInt(const EnvLookup& env, absl::string_view name, int fallback, int min,
                           int max) {
  const std::optional<std::string> raw = env(name);
  if (!raw.has_value() || raw->empty()) return fallback;
  int value = 0;
  if (!absl::SimpleAtoi(*raw, &value) || value < min || value > max) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, "='", *raw, "': expected an integer from ", min, " to ", max));
  }
  return value;
}

}  // namespace llm
