#include "common/jinja/template.h"

#include "common/jinja/interpreter.h"
#include "common/jinja/parser.h"
#include "common/status_macros.h"

namespace llm::jinja {

absl::StatusOr<Template> Template::Parse(absl::string_view source) {
  ASSIGN_OR_RETURN(ast::Body body, jinja::Parse(source));
  return Template(std::make_shared<const ast::Body>(std::move(body)));
}

absl::StatusOr<std::string> Template::Render(const Value& context) const {
  return Interpreter::Render(*body_, context);
}

}  // namespace llm::jinja
