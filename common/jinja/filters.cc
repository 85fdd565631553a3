#include "common/jinja/filters.h"

#include "absl/strings/str_cat.h"
#include "common/jinja/errors.h"

namespace llm::jinja {
namespace {

const FilterTable& Filters() {
  static const FilterTable* table = [] {
    auto* t = new FilterTable;
    AddStringFilters(t);
    AddValueFilters(t);
    AddSequenceFilters(t);
    return t;
  }();
  return *table;
}

}  // namespace

bool IsKnownFilter(absl::string_view name) { return Filters().contains(name); }

absl::StatusOr<Value> ApplyFilter(absl::string_view name, const Value& input,
                                  const CallArgs& args) {
  const auto it = Filters().find(name);
  if (it == Filters().end()) return RuntimeError(absl::StrCat("no filter named '", name, "'"));
  return it->second(input, args);
}

}  // namespace llm::jinja
