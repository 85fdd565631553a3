// Template: a Jinja chat template, parsed once and rendered many times, with the
// semantics of Python's jinja2 as transformers' apply_chat_template configures it: an
// immutable sandbox, trim_blocks and lstrip_blocks, the loopcontrols extension, the
// {% generation %} tag, tojson(ensure_ascii=False), and the globals raise_exception and
// strftime_now. HTML autoescaping is off.
//
//   ASSIGN_OR_RETURN(Template t, Template::Parse(source));
//   ASSIGN_OR_RETURN(std::string prompt, t.Render(context));
//
// Errors (see errors.h for the codes): a parse error is InvalidArgument naming the line
// and column; at render time, raise_exception(message) is FailedPrecondition with
// exactly `message`, any other template error InvalidArgument, and a runaway template
// ResourceExhausted. A Template is immutable: copies share the parsed tree, and Render
// may run on several threads at once.
#ifndef LLM_COMMON_JINJA_TEMPLATE_H_
#define LLM_COMMON_JINJA_TEMPLATE_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/jinja/ast.h"
#include "common/jinja/value.h"

namespace llm::jinja {

class Template {
 public:
  static absl::StatusOr<Template> Parse(absl::string_view source);

  // `context` is a dict of the template's variables (messages, add_generation_prompt...).
  absl::StatusOr<std::string> Render(const Value& context) const;

 private:
  explicit Template(std::shared_ptr<const ast::Body> body) : body_(std::move(body)) {}

  std::shared_ptr<const ast::Body> body_;
};

}  // namespace llm::jinja

#endif  // LLM_COMMON_JINJA_TEMPLATE_H_
