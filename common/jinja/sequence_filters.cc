// Filters over sequences and mappings: length/count, first, last, join, list, items,
// reverse, sort, dictsort, unique, min, max, sum, select, reject, selectattr, rejectattr,
// map, batch, slice.
#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/jinja/access.h"
#include "common/jinja/args.h"
#include "common/jinja/errors.h"
#include "common/jinja/filters.h"
#include "common/jinja/limits.h"
#include "common/jinja/operators.h"
#include "common/jinja/utf8.h"
#include "common/jinja/value_tests.h"
#include "common/status_macros.h"

namespace llm::jinja {
namespace {

// jinja2's ignore_case: strings compare lower-cased unless case_sensitive.
Value CaseKey(const Value& value, bool case_sensitive) {
  if (case_sensitive || !value.is_string()) return value;
  return Value(Utf8Lower(value.string_value()));
}

// jinja2's make_attrgetter: `attribute` (None, an index, or a dotted path) of `item`.
absl::StatusOr<Value> AttributeOf(const Value& item, const Value& attribute) {
  if (attribute.is_none() || attribute.is_undefined()) return item;
  if (attribute.is_int()) return GetItem(item, attribute);
  return GetAttributePath(item, attribute.Str());
}

// The sort key: one attribute, or a list of them for "a,b" (make_multi_attrgetter).
absl::StatusOr<Value> SortKey(const Value& item, const Value& attribute, bool case_sensitive) {
  if (!attribute.is_string() || attribute.string_value().find(',') == std::string::npos) {
    ASSIGN_OR_RETURN(const Value key, AttributeOf(item, attribute));
    return CaseKey(key, case_sensitive);
  }
  std::vector<Value> keys;
  for (absl::string_view part : absl::StrSplit(attribute.string_value(), ',')) {
    ASSIGN_OR_RETURN(const Value key, GetAttributePath(item, part));
    keys.push_back(CaseKey(key, case_sensitive));
  }
  return Value::List(std::move(keys));
}

// Stable sort of items by precomputed keys; Python's sorted(reverse=True) also keeps
// equal items in their original order.
absl::StatusOr<std::vector<Value>> SortByKeys(std::vector<Value> items, std::vector<Value> keys,
                                              bool reverse) {
  std::vector<size_t> order(items.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  absl::Status error;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (!error.ok()) return false;
    absl::StatusOr<int> c =
        reverse ? CompareOrder(keys[b], keys[a]) : CompareOrder(keys[a], keys[b]);
    if (!c.ok()) {
      error = c.status();
      return false;
    }
    return *c < 0;
  });
  RETURN_IF_ERROR(error);
  std::vector<Value> sorted;
  sorted.reserve(items.size());
  for (size_t i : order) sorted.push_back(std::move(items[i]));
  return sorted;
}

absl::StatusOr<Value> Length(const Value& input, const CallArgs& args) {
  RETURN_IF_ERROR(BindArgs("length", args, {}).status());
  switch (input.kind()) {
    case Value::Kind::kString:
      return Value(static_cast<int64_t>(CodePointCount(input.string_value())));
    case Value::Kind::kList:
    case Value::Kind::kTuple:
      return Value(static_cast<int64_t>(input.items().size()));
    case Value::Kind::kDict:
      return Value(static_cast<int64_t>(input.dict().size()));
    case Value::Kind::kUndefined:
      return Value(0);
    default:
      return RuntimeError(absl::StrCat("object of type '", input.TypeName(), "' has no len()"));
  }
}

absl::StatusOr<Value> FirstOrLast(const Value& input, const CallArgs& args, bool first) {
  RETURN_IF_ERROR(BindArgs(first ? "first" : "last", args, {}).status());
  ASSIGN_OR_RETURN(const std::vector<Value> items, Iterate(input));
  if (items.empty()) {
    return Value::Undefined(
        absl::StrCat("No ", first ? "first" : "last", " item, sequence was empty."));
  }
  return first ? items.front() : items.back();
}

absl::StatusOr<Value> Join(const Value& input, const CallArgs& args) {
  ASSIGN_OR_RETURN(const std::vector<Value> bound,
                   BindArgs("join", args, {{"d", Value("")}, {"attribute", Value::None()}}));
  ASSIGN_OR_RETURN(const std::vector<Value> items, Iterate(input));
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    ASSIGN_OR_RETURN(const Value item, AttributeOf(items[i], bound[1]));
    if (i > 0) out += bound[0].Str();
    out += item.Str();
  }
  return Value(std::move(out));
}

absl::StatusOr<Value> ToList(const Value& input, const CallArgs& args) {
  RETURN_IF_ERROR(BindArgs("list", args, {}).status());
  ASSIGN_OR_RETURN(std::vector<Value> items, Iterate(input));
  return Value::List(std::move(items));
}

absl::StatusOr<Value> Items(const Value& input, const CallArgs& args) {
  RETURN_IF_ERROR(BindArgs("items", args, {}).status());
  if (input.is_undefined()) return Value::List({});
  if (!input.is_dict()) return RuntimeError("Can only get item pairs from a mapping.");
  std::vector<Value> pairs;
  for (const auto& [key, value] : input.dict()) pairs.push_back(Value::Tuple({key, value}));
  return Value::List(std::move(pairs));
}

absl::StatusOr<Value> Reverse(const Value& input, const CallArgs& args) {
  RETURN_IF_ERROR(BindArgs("reverse", args, {}).status());
  if (input.is_string()) {
    std::vector<char32_t> chars = DecodeUtf8(input.string_value());
    std::reverse(chars.begin(), chars.end());
    return Value(EncodeUtf8(chars));
  }
  ASSIGN_OR_RETURN(std::vector<Value> items, Iterate(input));
  std::reverse(items.begin(), items.end());
  return Value::List(std::move(items));
}

absl::StatusOr<Value> Sort(const Value& input, const CallArgs& args) {
  ASSIGN_OR_RETURN(const std::vector<Value> bound, BindArgs("sort", args,
                                                            {{"reverse", Value(false)},
                                                             {"case_sensitive", Value(false)},
                                                             {"attribute", Value::None()}}));
  ASSIGN_OR_RETURN(std::vector<Value> items, Iterate(input));
  std::vector<Value> keys;
  for (const Value& item : items) {
    ASSIGN_OR_RETURN(Value key, SortKey(item, bound[2], bound[1].Truthy()));
    keys.push_back(std::move(key));
  }
  ASSIGN_OR_RETURN(std::vector<Value> sorted,
                   SortByKeys(std::move(items), std::move(keys), bound[0].Truthy()));
  return Value::List(std::move(sorted));
}

absl::StatusOr<Value> DictSort(const Value& input, const CallArgs& args) {
  ASSIGN_OR_RETURN(const std::vector<Value> bound, BindArgs("dictsort", args,
                                                            {{"case_sensitive", Value(false)},
                                                             {"by", Value("key")},
                                                             {"reverse", Value(false)}}));
  if (!input.is_dict()) return RuntimeError("dictsort: a mapping is required");
  const std::string by = bound[1].Str();
  if (by != "key" && by != "value") {
    return RuntimeError("You can only sort by either \"key\" or \"value\"");
  }
  std::vector<Value> pairs;
  std::vector<Value> keys;
  for (const auto& [key, value] : input.dict()) {
    pairs.push_back(Value::Tuple({key, value}));
    keys.push_back(CaseKey(by == "key" ? key : value, bound[0].Truthy()));
  }
  ASSIGN_OR_RETURN(std::vector<Value> sorted,
                   SortByKeys(std::move(pairs), std::move(keys), bound[2].Truthy()));
  return Value::List(std::move(sorted));
}

absl::StatusOr<Value> Unique(const Value& input, const CallArgs& args) {
  ASSIGN_OR_RETURN(
      const std::vector<Value> bound,
      BindArgs("unique", args, {{"case_sensitive", Value(false)}, {"attribute", Value::None()}}));
  ASSIGN_OR_RETURN(const std::vector<Value> items, Iterate(input));
  std::vector<Value> seen;
  std::vector<Value> out;
  for (const Value& item : items) {
    ASSIGN_OR_RETURN(const Value attribute, AttributeOf(item, bound[1]));
    const Value key = CaseKey(attribute, bound[0].Truthy());
    if (std::find(seen.begin(), seen.end(), key) != seen.end()) continue;
    seen.push_back(key);
    out.push_back(item);
  }
  return Value::List(std::move(out));
}

absl::StatusOr<Value> MinOrMax(const Value& input, const CallArgs& args, bool want_max) {
  ASSIGN_OR_RETURN(const std::vector<Value> bound,
                   BindArgs(want_max ? "max" : "min", args,
                            {{"case_sensitive", Value(false)}, {"attribute", Value::None()}}));
  ASSIGN_OR_RETURN(const std::vector<Value> items, Iterate(input));
  if (items.empty()) return Value::Undefined("No aggregated item, sequence was empty.");
  size_t best = 0;
  Value best_key;
  for (size_t i = 0; i < items.size(); ++i) {
    ASSIGN_OR_RETURN(const Value attribute, AttributeOf(items[i], bound[1]));
    const Value key = CaseKey(attribute, bound[0].Truthy());
    if (i > 0) {
      ASSIGN_OR_RETURN(const int order, CompareOrder(key, best_key));
      if (want_max ? order <= 0 : order >= 0) continue;
    }
    best = i;
    best_key = key;
  }
  return items[best];
}

absl::StatusOr<Value> Sum(const Value& input, const CallArgs& args) {
  ASSIGN_OR_RETURN(const std::vector<Value> bound,
                   BindArgs("sum", args, {{"attribute", Value::None()}, {"start", Value(0)}}));
  ASSIGN_OR_RETURN(const std::vector<Value> items, Iterate(input));
  Value total = bound[1];
  for (const Value& item : items) {
    ASSIGN_OR_RETURN(const Value addend, AttributeOf(item, bound[0]));
    ASSIGN_OR_RETURN(total, ApplyBinary(ast::BinaryOp::kAdd, total, addend));
  }
  return total;
}

// select / reject / selectattr / rejectattr: keep the items whose test (truthiness when
// no test is named) is `keep`.
absl::StatusOr<Value> Select(const Value& input, const CallArgs& args, bool by_attribute,
                             bool keep) {
  CallArgs test_args{args.positional, args.keyword};
  Value attribute = Value::None();
  if (by_attribute) {
    if (test_args.positional.empty()) return RuntimeError("Missing parameter for attribute name");
    attribute = test_args.positional.front();
    test_args.positional.erase(test_args.positional.begin());
  }
  std::string test_name;
  if (!test_args.positional.empty()) {
    test_name = test_args.positional.front().Str();
    test_args.positional.erase(test_args.positional.begin());
  }
  ASSIGN_OR_RETURN(const std::vector<Value> items, Iterate(input));
  std::vector<Value> out;
  for (const Value& item : items) {
    ASSIGN_OR_RETURN(const Value subject, AttributeOf(item, attribute));
    bool passed = subject.Truthy();
    if (!test_name.empty()) {
      ASSIGN_OR_RETURN(passed, ApplyTest(test_name, subject, test_args));
    }
    if (passed == keep) out.push_back(item);
  }
  return Value::List(std::move(out));
}

absl::StatusOr<Value> Map(const Value& input, const CallArgs& args) {
  ASSIGN_OR_RETURN(const std::vector<Value> items, Iterate(input));
  std::vector<Value> out;
  if (args.positional.empty()) {
    ASSIGN_OR_RETURN(const std::vector<Value> bound,
                     BindArgs("map", args, {{"attribute", {}}, {"default", Value::None()}}));
    for (const Value& item : items) {
      ASSIGN_OR_RETURN(Value value, AttributeOf(item, bound[0]));
      if (value.is_undefined() && !bound[1].is_none()) value = bound[1];
      out.push_back(std::move(value));
    }
    return Value::List(std::move(out));
  }
  const std::string filter = args.positional.front().Str();
  const CallArgs filter_args{std::vector<Value>(args.positional.begin() + 1, args.positional.end()),
                             args.keyword};
  for (const Value& item : items) {
    ASSIGN_OR_RETURN(Value value, ApplyFilter(filter, item, filter_args));
    out.push_back(std::move(value));
  }
  return Value::List(std::move(out));
}

absl::StatusOr<Value> Batch(const Value& input, const CallArgs& args) {
  ASSIGN_OR_RETURN(const std::vector<Value> bound,
                   BindArgs("batch", args, {{"linecount", {}}, {"fill_with", Value::None()}}));
  ASSIGN_OR_RETURN(const int64_t size, IntArg("batch", bound[0]));
  if (size <= 0) return RuntimeError("batch size must be positive");
  ASSIGN_OR_RETURN(const std::vector<Value> items, Iterate(input));
  std::vector<Value> batches;
  for (size_t i = 0; i < items.size(); i += size) {
    std::vector<Value> batch(items.begin() + i,
                             items.begin() + std::min(items.size(), i + static_cast<size_t>(size)));
    if (!bound[1].is_none()) batch.resize(size, bound[1]);
    batches.push_back(Value::List(std::move(batch)));
  }
  return Value::List(std::move(batches));
}

// slice(n): n columns; the first len % n of them get one extra item, the others
// `fill_with` when given.
absl::StatusOr<Value> Slice(const Value& input, const CallArgs& args) {
  ASSIGN_OR_RETURN(const std::vector<Value> bound,
                   BindArgs("slice", args, {{"slices", {}}, {"fill_with", Value::None()}}));
  ASSIGN_OR_RETURN(const int64_t slices, IntArg("slice", bound[0]));
  if (slices <= 0 || slices > static_cast<int64_t>(kMaxListItems)) {
    return RuntimeError("slice count must be positive");
  }
  ASSIGN_OR_RETURN(const std::vector<Value> items, Iterate(input));
  const size_t per_slice = items.size() / slices;
  const size_t with_extra = items.size() % slices;
  std::vector<Value> columns;
  size_t start = 0;
  for (size_t i = 0; i < static_cast<size_t>(slices); ++i) {
    const size_t end = start + per_slice + (i < with_extra ? 1 : 0);
    std::vector<Value> column(items.begin() + start, items.begin() + end);
    if (!bound[1].is_none() && i >= with_extra) column.push_back(bound[1]);
    columns.push_back(Value::List(std::move(column)));
    start = end;
  }
  return Value::List(std::move(columns));
}

}  // namespace

void AddSequenceFilters(FilterTable* table) {
  auto& t = *table;
  t["length"] = t["count"] = Length;
  t["first"] = [](const Value& v, const CallArgs& a) { return FirstOrLast(v, a, true); };
  t["last"] = [](const Value& v, const CallArgs& a) { return FirstOrLast(v, a, false); };
  t["join"] = Join;
  t["list"] = ToList;
  t["items"] = Items;
  t["reverse"] = Reverse;
  t["sort"] = Sort;
  t["dictsort"] = DictSort;
  t["unique"] = Unique;
  t["min"] = [](const Value& v, const CallArgs& a) { return MinOrMax(v, a, false); };
  t["max"] = [](const Value& v, const CallArgs& a) { return MinOrMax(v, a, true); };
  t["sum"] = Sum;
  t["select"] = [](const Value& v, const CallArgs& a) { return Select(v, a, false, true); };
  t["reject"] = [](const Value& v, const CallArgs& a) { return Select(v, a, false, false); };
  t["selectattr"] = [](const Value& v, const CallArgs& a) { return Select(v, a, true, true); };
  t["rejectattr"] = [](const Value& v, const CallArgs& a) { return Select(v, a, true, false); };
  t["map"] = Map;
  t["batch"] = Batch;
  t["slice"] = Slice;
}

}  // namespace llm::jinja
