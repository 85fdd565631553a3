// PercentFormat: Python's printf-style `format % args` for the conversions templates
// use: %s %r %d %i %f %e %g %x %o %c and %%, with flags, width and precision, and
// %(name)s keys when `args` is a dict. Stateless, thread-safe.
#ifndef LLM_COMMON_JINJA_PERCENT_FORMAT_H_
#define LLM_COMMON_JINJA_PERCENT_FORMAT_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/jinja/value.h"

namespace llm::jinja {

// `args`: a tuple (one value per conversion), a dict (for %(name)s) or a single value.
absl::StatusOr<std::string> PercentFormat(absl::string_view format, const Value& args);

}  // namespace llm::jinja

#endif  // LLM_COMMON_JINJA_PERCENT_FORMAT_H_
