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
  if (gguf_name.empty()) return nullptr;
  for (const auto& traits : Registry()) {
    if (traits->gguf_name == gguf_name) return traits.get();
  }
  return nullptr;
}

const ArchitectureTraits* FindHfArchitecture(absl::string_view hf_name) {
  for (const auto& traits : Registry()) {
    if (traits->hf_name == hf_name) return traits.get();
  }
  return nullptr;
}

namespace {

std::vector<std::string> SortedNames(std::string ArchitectureTraits::*field) {
  std::vector<std::string> names;
  for (const auto& traits : Registry()) {
    if (!((*traits).*field).empty()) names.push_back((*traits).*field);
  }
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

std::vector<std::string> GgufArchitectureNames() {
  return SortedNames(&ArchitectureTraits::gguf_name);
}

std::vector<std::string> HfArchitectureNames() { return SortedNames(&ArchitectureTraits::hf_name); }

}  // namespace llm
