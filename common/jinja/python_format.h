// Python's text forms of numbers and strings: repr(float), repr(str). str() and tojson
// output must match CPython byte for byte, so these follow CPython's rules exactly.
#ifndef LLM_COMMON_JINJA_PYTHON_FORMAT_H_
#define LLM_COMMON_JINJA_PYTHON_FORMAT_H_

#include <string>

#include "absl/strings/string_view.h"

namespace llm::jinja {

// repr(x) for a float: the shortest round-tripping digits, "1.0", "1e+16", "1e-05",
// "inf", "nan".
std::string FormatPythonFloat(double x);

// repr(s) for a str: quotes and escapes chosen as CPython chooses them.
std::string PythonStringRepr(absl::string_view s);

}  // namespace llm::jinja

#endif  // LLM_COMMON_JINJA_PYTHON_FORMAT_H_
