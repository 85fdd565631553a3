#include "engine/model/architecture.h"

#include <algorithm>
#include <memory>

namespace llm {
namespace {

std::vector<std::unique_ptr<ArchitectureTraits>>& Registry() {
  static auto* registry = new std::vector<std::unique_ptr<ArchitectureTraits>>();
  return *registry;
}

}  // namespace

bool RegisterArchitecture(ArchitectureTraits traits) {
  Registry().push_back(std::make_unique<ArchitectureTraits>(std::move(traits)));
  return true;
}

const ArchitectureTraits* FindGgufArchitecture(absl::string_view gguf_name) {
  for (const auto& traits : Registry()) {
    if (traits->gguf_name == gguf_name) return traits.get();
  }
  return nullptr;
}

std::vector<std::string> GgufArchitectureNames() {
  std::vector<std::string> names;
  for (const auto& traits : Registry()) names.push_back(traits->gguf_name);
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace llm
