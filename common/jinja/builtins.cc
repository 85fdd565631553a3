#include "common/jinja/builtins.h"

#include <time.h>

#include "absl/strings/str_cat.h"
#include "common/jinja/access.h"
#include "common/jinja/args.h"
#include "common/jinja/errors.h"
#include "common/jinja/limits.h"
#include "common/status_macros.h"

namespace llm::jinja {
namespace {

absl::StatusOr<Value> Range(const CallArgs& args) {
  if (!args.keyword.empty()) return RuntimeError("range() takes no keyword arguments");
  if (args.positional.empty() || args.positional.size() > 3) {
    return RuntimeError("range expected 1 to 3 arguments");
  }
  std::vector<int64_t> bounds;
  for (const Value& arg : args.positional) {
    ASSIGN_OR_RETURN(const int64_t bound, IntArg("range", arg));
    bounds.push_back(bound);
  }
  const int64_t start = bounds.size() == 1 ? 0 : bounds[0];
  const int64_t stop = bounds.size() == 1 ? bounds[0] : bounds[1];
  const int64_t step = bounds.size() == 3 ? bounds[2] : 1;
  if (step == 0) return RuntimeError("range() arg 3 must not be zero");
  const double count = step > 0 ? (static_cast<double>(stop) - start) / step
                                : (static_cast<double>(start) - stop) / -step;
  if (count > kMaxRange) {
    return LimitExceeded(absl::StrCat(
        "Range too big. The sandbox blocks ranges larger than MAX_RANGE (", kMaxRange, ")."));
  }
  std::vector<Value> items;
  for (int64_t i = start; step > 0 ? i < stop : i > stop; i += step) items.push_back(Value(i));
  return Value::List(std::move(items));
}

// dict(mapping or pairs, **kwargs), as Python builds it; namespace() takes the same.
absl::StatusOr<Dict> BuildDict(absl::string_view function, const CallArgs& args) {
  if (args.positional.size() > 1) {
    return RuntimeError(absl::StrCat(function, " expected at most 1 positional argument"));
  }
  Dict dict;
  if (!args.positional.empty()) {
    const Value& source = args.positional[0];
    if (source.is_dict()) {
      dict = source.dict();
    } else {
      ASSIGN_OR_RETURN(const std::vector<Value> pairs, Iterate(source));
      for (const Value& pair : pairs) {
        ASSIGN_OR_RETURN(const std::vector<Value> kv, Iterate(pair));
        if (kv.size() != 2)
          return RuntimeError("dictionary update sequence element has wrong length");
        dict.Set(kv[0], kv[1]);
      }
    }
  }
  for (const auto& [key, value] : args.keyword) dict.Set(Value(key), value);
  return dict;
}

absl::StatusOr<Value> StrftimeNow(const CallArgs& args) {
  ASSIGN_OR_RETURN(const std::vector<Value> bound,
                   BindArgs("strftime_now", args, {{"format", {}}}));
  const time_t now = time(nullptr);
  struct tm local;
  localtime_r(&now, &local);
  char buffer[512];
  const size_t n = strftime(buffer, sizeof(buffer), bound[0].Str().c_str(), &local);
  return Value(std::string(buffer, n));
}

}  // namespace

const Dict& Globals() {
  static const Dict* globals = [] {
    auto* g = new Dict;
    g->Set(Value("range"), Value::MakeFunction("range", Range));
    g->Set(Value("dict"),
           Value::MakeFunction("dict", [](const CallArgs& args) -> absl::StatusOr<Value> {
             ASSIGN_OR_RETURN(Dict dict, BuildDict("dict", args));
             return Value::FromDict(std::move(dict));
           }));
    g->Set(Value("namespace"),
           Value::MakeFunction("namespace", [](const CallArgs& args) -> absl::StatusOr<Value> {
             ASSIGN_OR_RETURN(Dict dict, BuildDict("namespace", args));
             return Value::MakeNamespace(std::move(dict));
           }));
    g->Set(
        Value("raise_exception"),
        Value::MakeFunction("raise_exception", [](const CallArgs& args) -> absl::StatusOr<Value> {
          ASSIGN_OR_RETURN(const std::vector<Value> bound,
                           BindArgs("raise_exception", args, {{"message", {}}}));
          return TemplateRaised(bound[0].Str());
        }));
    g->Set(Value("strftime_now"), Value::MakeFunction("strftime_now", StrftimeNow));
    return g;
  }();
  return *globals;
}

}  // namespace llm::jinja
