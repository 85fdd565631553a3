#include "common/jinja/string_methods.h"

#include <algorithm>
#include <functional>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/jinja/args.h"
#include "common/jinja/errors.h"
#include "common/jinja/utf8.h"
#include "common/status_macros.h"

namespace llm::jinja {
namespace {

using Method = std::function<absl::StatusOr<Value>(const std::string&, const CallArgs&)>;

absl::StatusOr<std::optional<std::string>> OptionalStringArg(absl::string_view method,
                                                             const Value& value) {
  if (value.is_none()) return std::optional<std::string>();
  if (!value.is_string()) {
    return RuntimeError(absl::StrCat(method, " arg must be None or str"));
  }
  return std::optional<std::string>(value.string_value());
}

absl::StatusOr<Value> Strip(absl::string_view method, const std::string& text, const CallArgs& args,
                            bool left, bool right) {
  ASSIGN_OR_RETURN(const std::vector<Value> bound,
                   BindArgs(method, args, {{"chars", Value::None()}}));
  ASSIGN_OR_RETURN(const std::optional<std::string> chars, OptionalStringArg(method, bound[0]));
  return Value(PyStrip(text, chars, left, right));
}

// str.split / str.rsplit. Without a separator, runs of whitespace separate and leading
// or trailing whitespace yields no empty parts.
absl::StatusOr<Value> Split(absl::string_view method, const std::string& text, const CallArgs& args,
                            bool from_right) {
  ASSIGN_OR_RETURN(const std::vector<Value> bound,
                   BindArgs(method, args, {{"sep", Value::None()}, {"maxsplit", Value(-1)}}));
  ASSIGN_OR_RETURN(const std::optional<std::string> sep, OptionalStringArg(method, bound[0]));
  ASSIGN_OR_RETURN(int64_t maxsplit, IntArg(method, bound[1]));
  if (sep.has_value() && sep->empty()) return RuntimeError("empty separator");
  std::vector<std::string> parts;
  if (sep.has_value()) {
    std::string rest = text;
    while (maxsplit != 0) {
      const size_t at = from_right ? rest.rfind(*sep) : rest.find(*sep);
      if (at == std::string::npos) break;
      if (from_right) {
        parts.push_back(rest.substr(at + sep->size()));
        rest.resize(at);
      } else {
        parts.push_back(rest.substr(0, at));
        rest.erase(0, at + sep->size());
      }
      --maxsplit;
    }
    parts.push_back(rest);
  } else {
    std::vector<char32_t> chars = DecodeUtf8(text);
    if (from_right) std::reverse(chars.begin(), chars.end());
    size_t i = 0;
    while (true) {
      while (i < chars.size() && IsPythonSpace(chars[i])) ++i;
      if (i == chars.size()) break;
      size_t end = i;
      if (maxsplit == 0) {
        end = chars.size();  // the rest, trailing whitespace included, as in Python
      } else {
        while (end < chars.size() && !IsPythonSpace(chars[end])) ++end;
        --maxsplit;
      }
      std::vector<char32_t> part(chars.begin() + i, chars.begin() + end);
      if (from_right) std::reverse(part.begin(), part.end());
      parts.push_back(EncodeUtf8(part));
      i = end;
    }
  }
  if (from_right) std::reverse(parts.begin(), parts.end());
  std::vector<Value> values(parts.begin(), parts.end());
  return Value::List(std::move(values));
}

// str.startswith / str.endswith with a string or a tuple of strings.
absl::StatusOr<Value> AffixTest(absl::string_view method, const std::string& text,
                                const CallArgs& args, bool prefix) {
  ASSIGN_OR_RETURN(const std::vector<Value> bound, BindArgs(method, args, {{"affix", {}}}));
  std::vector<Value> candidates;
  if (bound[0].is_tuple()) {
    candidates = bound[0].items();
  } else {
    candidates.push_back(bound[0]);
  }
  for (const Value& candidate : candidates) {
    if (!candidate.is_string()) {
      return RuntimeError(absl::StrCat(method, " first arg must be str or a tuple of str, not ",
                                       candidate.TypeName()));
    }
    if (prefix ? absl::StartsWith(text, candidate.string_value())
               : absl::EndsWith(text, candidate.string_value())) {
      return Value(true);
    }
  }
  return Value(false);
}

absl::StatusOr<std::string> SubstringArg(absl::string_view method, const CallArgs& args) {
  ASSIGN_OR_RETURN(const std::vector<Value> bound, BindArgs(method, args, {{"sub", {}}}));
  if (!bound[0].is_string()) {
    return RuntimeError(absl::StrCat("must be str, not ", bound[0].TypeName()));
  }
  return bound[0].string_value();
}

// str.find / str.rfind: the code point index, or -1.
absl::StatusOr<Value> Find(absl::string_view method, const std::string& text, const CallArgs& args,
                           bool from_right) {
  ASSIGN_OR_RETURN(const std::string sub, SubstringArg(method, args));
  const size_t at = from_right ? text.rfind(sub) : text.find(sub);
  if (at == std::string::npos) return Value(-1);
  return Value(static_cast<int64_t>(CodePointCount(absl::string_view(text).substr(0, at))));
}

absl::StatusOr<Value> Count(const std::string& text, const CallArgs& args) {
  ASSIGN_OR_RETURN(const std::string sub, SubstringArg("count", args));
  if (sub.empty()) return Value(static_cast<int64_t>(CodePointCount(text) + 1));
  int64_t count = 0;
  for (size_t at = text.find(sub); at != std::string::npos; at = text.find(sub, at + sub.size())) {
    ++count;
  }
  return Value(count);
}

absl::StatusOr<Value> Replace(const std::string& text, const CallArgs& args) {
  ASSIGN_OR_RETURN(const std::vector<Value> bound,
                   BindArgs("replace", args, {{"old", {}}, {"new", {}}, {"count", Value(-1)}}));
  if (!bound[0].is_string() || !bound[1].is_string()) {
    return RuntimeError("replace() arguments must be str");
  }
  ASSIGN_OR_RETURN(const int64_t count, IntArg("replace", bound[2]));
  return Value(PyReplace(text, bound[0].string_value(), bound[1].string_value(), count));
}

absl::StatusOr<Value> Join(const std::string& separator, const CallArgs& args) {
  ASSIGN_OR_RETURN(const std::vector<Value> bound, BindArgs("join", args, {{"iterable", {}}}));
  if (!bound[0].is_sequence()) {
    return RuntimeError("can only join an iterable");
  }
  std::string out;
  for (size_t i = 0; i < bound[0].items().size(); ++i) {
    const Value& item = bound[0].items()[i];
    if (!item.is_string()) {
      return RuntimeError(absl::StrCat("sequence item ", i, ": expected str instance, ",
                                       item.TypeName(), " found"));
    }
    if (i > 0) out += separator;
    out += item.string_value();
  }
  return Value(std::move(out));
}

// Python's str.title: a cased character after an uncased one starts a word.
std::string Title(absl::string_view text) {
  std::vector<char32_t> chars = DecodeUtf8(text);
  bool previous_cased = false;
  for (char32_t& c : chars) {
    c = previous_cased ? ToLower(c) : ToUpper(c);
    previous_cased = IsCased(c);
  }
  return EncodeUtf8(chars);
}

// str.isdigit(), str.isspace(), ...: true when non-empty and every character matches.
Method CharacterTest(std::function<bool(char32_t)> test) {
  return [test](const std::string& text, const CallArgs& args) -> absl::StatusOr<Value> {
    RETURN_IF_ERROR(BindArgs("test", args, {}).status());
    const std::vector<char32_t> chars = DecodeUtf8(text);
    return Value(!chars.empty() && std::all_of(chars.begin(), chars.end(), test));
  };
}

// A method taking no arguments that maps the string to a new string.
Method Transform(std::function<std::string(absl::string_view)> transform) {
  return [transform](const std::string& text, const CallArgs& args) -> absl::StatusOr<Value> {
    RETURN_IF_ERROR(BindArgs("method", args, {}).status());
    return Value(transform(text));
  };
}

const absl::flat_hash_map<std::string, Method>& StringMethods() {
  using Args = const CallArgs&;
  using Text = const std::string&;
  static const auto* methods = new absl::flat_hash_map<std::string, Method>{
      {"strip", [](Text t, Args a) { return Strip("strip", t, a, true, true); }},
      {"lstrip", [](Text t, Args a) { return Strip("lstrip", t, a, true, false); }},
      {"rstrip", [](Text t, Args a) { return Strip("rstrip", t, a, false, true); }},
      {"split", [](Text t, Args a) { return Split("split", t, a, false); }},
      {"rsplit", [](Text t, Args a) { return Split("rsplit", t, a, true); }},
      {"startswith", [](Text t, Args a) { return AffixTest("startswith", t, a, true); }},
      {"endswith", [](Text t, Args a) { return AffixTest("endswith", t, a, false); }},
      {"find", [](Text t, Args a) { return Find("find", t, a, false); }},
      {"rfind", [](Text t, Args a) { return Find("rfind", t, a, true); }},
      {"count", Count},
      {"replace", Replace},
      {"join", Join},
      {"upper", Transform(Utf8Upper)},
      {"lower", Transform(Utf8Lower)},
      {"title", Transform(Title)},
      {"capitalize", Transform(PyCapitalize)},
      {"isdigit", CharacterTest([](char32_t c) { return c >= '0' && c <= '9'; })},
      {"isalpha", CharacterTest(IsAlpha)},
      {"isalnum", CharacterTest([](char32_t c) { return IsAlpha(c) || (c >= '0' && c <= '9'); })},
      {"isspace", CharacterTest(IsPythonSpace)},
  };
  return *methods;
}

}  // namespace

std::optional<Value> GetStringMethod(const std::string& text, absl::string_view name) {
  const auto it = StringMethods().find(name);
  if (it == StringMethods().end()) return std::nullopt;
  const Method& method = it->second;
  return Value::MakeFunction(absl::StrCat("str.", name),
                             [text, &method](const CallArgs& args) { return method(text, args); });
}

std::string PyStrip(absl::string_view text, const std::optional<std::string>& chars, bool left,
                    bool right) {
  const std::vector<char32_t> cps = DecodeUtf8(text);
  const std::vector<char32_t> strip_set =
      chars.has_value() ? DecodeUtf8(*chars) : std::vector<char32_t>();
  auto strip = [&](char32_t c) {
    if (!chars.has_value()) return IsPythonSpace(c);
    return std::find(strip_set.begin(), strip_set.end(), c) != strip_set.end();
  };
  size_t begin = 0;
  size_t end = cps.size();
  while (left && begin < end && strip(cps[begin])) ++begin;
  while (right && end > begin && strip(cps[end - 1])) --end;
  return EncodeUtf8(std::vector<char32_t>(cps.begin() + begin, cps.begin() + end));
}

std::string PyReplace(absl::string_view text, absl::string_view old, absl::string_view with,
                      int64_t count) {
  std::string out;
  if (old.empty()) {
    // Python inserts `with` before every character and at the end.
    const std::vector<char32_t> chars = DecodeUtf8(text);
    for (char32_t c : chars) {
      if (count-- != 0) out.append(with.data(), with.size());
      AppendUtf8(c, &out);
    }
    if (count != 0) out.append(with.data(), with.size());
    return out;
  }
  size_t pos = 0;
  while (count != 0) {
    const size_t at = text.find(old, pos);
    if (at == absl::string_view::npos) break;
    absl::StrAppend(&out, text.substr(pos, at - pos), with);
    pos = at + old.size();
    --count;
  }
  absl::StrAppend(&out, text.substr(pos));
  return out;
}

std::string PyCapitalize(absl::string_view text) {
  std::vector<char32_t> chars = DecodeUtf8(text);
  for (size_t i = 0; i < chars.size(); ++i)
    chars[i] = i == 0 ? ToUpper(chars[i]) : ToLower(chars[i]);
  return EncodeUtf8(chars);
}

}  // namespace llm::jinja
