#include "common/jinja/args.h"

#include "absl/strings/str_cat.h"
#include "common/jinja/errors.h"

namespace llm::jinja {

absl::StatusOr<std::vector<Value>> BindArgs(absl::string_view function, const CallArgs& args,
                                            const std::vector<Param>& params) {
  if (args.positional.size() > params.size()) {
    return RuntimeError(absl::StrCat(function, "() takes at most ", params.size(), " arguments (",
                                     args.positional.size(), " given)"));
  }
  std::vector<std::optional<Value>> bound(params.size());
  for (size_t i = 0; i < args.positional.size(); ++i) bound[i] = args.positional[i];
  for (const auto& [name, value] : args.keyword) {
    size_t i = 0;
    while (i < params.size() && params[i].name != name) ++i;
    if (i == params.size()) {
      return RuntimeError(
          absl::StrCat(function, "() got an unexpected keyword argument '", name, "'"));
    }
    if (bound[i].has_value()) {
      return RuntimeError(
          absl::StrCat(function, "() got multiple values for argument '", name, "'"));
    }
    bound[i] = value;
  }
  std::vector<Value> values;
  values.reserve(params.size());
  for (size_t i = 0; i < params.size(); ++i) {
    if (!bound[i].has_value()) bound[i] = params[i].default_value;
    if (!bound[i].has_value()) {
      return RuntimeError(
          absl::StrCat(function, "() missing required argument '", params[i].name, "'"));
    }
    values.push_back(*std::move(bound[i]));
  }
  return values;
}

absl::StatusOr<int64_t> IntArg(absl::string_view function, const Value& value) {
  if (value.is_int() || value.is_bool()) return value.int_value();
  if (value.is_undefined()) return UndefinedError(value);
  return RuntimeError(absl::StrCat(function, "(): '", value.TypeName(),
                                   "' object cannot be interpreted as an integer"));
}

}  // namespace llm::jinja
