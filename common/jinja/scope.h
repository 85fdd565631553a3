// Scope: the variables visible at one point of a render, as a chain: globals, then the
// render context and top-level assignments, then one scope per loop iteration, macro
// call or with-block. Assignments go to the innermost scope, so a `set` inside a loop
// does not leak out of it (as in jinja2). Shared because macros keep the scope they were
// defined in. Not thread-safe; one render owns its scopes.
#ifndef LLM_COMMON_JINJA_SCOPE_H_
#define LLM_COMMON_JINJA_SCOPE_H_

#include <memory>
#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "common/jinja/value.h"

namespace llm::jinja {

class Scope {
 public:
  explicit Scope(std::shared_ptr<const Scope> parent) : parent_(std::move(parent)) {}

  // The innermost variable named `name`, or nullptr.
  const Value* Find(absl::string_view name) const {
    for (const Scope* scope = this; scope != nullptr; scope = scope->parent_.get()) {
      const auto it = scope->variables_.find(name);
      if (it != scope->variables_.end()) return &it->second;
    }
    return nullptr;
  }

  void Set(std::string name, Value value) { variables_[std::move(name)] = std::move(value); }

 private:
  absl::flat_hash_map<std::string, Value> variables_;
  std::shared_ptr<const Scope> parent_;
};

}  // namespace llm::jinja

#endif  // LLM_COMMON_JINJA_SCOPE_H_
