// jinja2's built-in filters (`value | name(args)`), with transformers' tojson. The
// registry lives here; the filters themselves in string_filters.cc, value_filters.cc and
// sequence_filters.cc. Stateless, thread-safe.
#ifndef LLM_COMMON_JINJA_FILTERS_H_
#define LLM_COMMON_JINJA_FILTERS_H_

#include <functional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/jinja/value.h"

namespace llm::jinja {

bool IsKnownFilter(absl::string_view name);

// `input | name(args)`; an unknown name is an error.
absl::StatusOr<Value> ApplyFilter(absl::string_view name, const Value& input, const CallArgs& args);

using FilterFunction = std::function<absl::StatusOr<Value>(const Value&, const CallArgs&)>;
using FilterTable = absl::flat_hash_map<std::string, FilterFunction>;

// Each filter family adds its filters to the registry.
void AddStringFilters(FilterTable* table);
void AddValueFilters(FilterTable* table);
void AddSequenceFilters(FilterTable* table);

}  // namespace llm::jinja

#endif  // LLM_COMMON_JINJA_FILTERS_H_
