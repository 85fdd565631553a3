#include "common/jinja/interpreter.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/jinja/access.h"
#include "common/jinja/builtins.h"
#include "common/jinja/errors.h"
#include "common/jinja/filters.h"
#include "common/jinja/limits.h"
#include "common/status_macros.h"

namespace llm::jinja {
namespace {

// The `loop` variable of one iteration.
Value LoopVariable(const std::vector<Value>& items, size_t i) {
  const int64_t n = static_cast<int64_t>(items.size());
  const int64_t index = static_cast<int64_t>(i);
  Dict loop;
  loop.Set(Value("index"), Value(index + 1));
  loop.Set(Value("index0"), Value(index));
  loop.Set(Value("revindex"), Value(n - index));
  loop.Set(Value("revindex0"), Value(n - index - 1));
  loop.Set(Value("first"), Value(i == 0));
  loop.Set(Value("last"), Value(index == n - 1));
  loop.Set(Value("length"), Value(n));
  loop.Set(Value("depth"), Value(1));
  loop.Set(Value("depth0"), Value(0));
  if (i > 0) loop.Set(Value("previtem"), items[i - 1]);
  if (index + 1 < n) loop.Set(Value("nextitem"), items[i + 1]);
  loop.Set(Value("cycle"),
           Value::MakeFunction("loop.cycle", [i](const CallArgs& args) -> absl::StatusOr<Value> {
             if (args.positional.empty()) return RuntimeError("no items for cycling given");
             return args.positional[i % args.positional.size()];
           }));
  return Value::FromDict(std::move(loop));
}

}  // namespace

absl::StatusOr<std::string> Interpreter::Render(const ast::Body& body, const Value& context) {
  if (!context.is_dict()) return absl::InvalidArgumentError("the render context must be a dict");
  auto globals = std::make_shared<Scope>(nullptr);
  for (const auto& [name, value] : Globals()) globals->Set(name.string_value(), value);
  auto top = std::make_shared<Scope>(globals);
  for (const auto& [name, value] : context.dict()) {
    if (!name.is_string()) return absl::InvalidArgumentError("context keys must be strings");
    top->Set(name.string_value(), value);
  }
  Interpreter interpreter;
  std::string out;
  RETURN_IF_ERROR(interpreter.Execute(body, top, &out).status());
  return out;
}

absl::Status Interpreter::Append(absl::string_view text, std::string* out) const {
  if (out->size() + text.size() > kMaxStringBytes) return LimitExceeded("output too long");
  out->append(text.data(), text.size());
  return absl::OkStatus();
}

absl::StatusOr<Interpreter::Flow> Interpreter::Execute(const ast::Body& body, const ScopePtr& scope,
                                                       std::string* out) {
  for (const std::unique_ptr<ast::Stmt>& stmt : body) {
    ASSIGN_OR_RETURN(const Flow flow, ExecuteStmt(*stmt, scope, out));
    if (flow != Flow::kNormal) return flow;
  }
  return Flow::kNormal;
}

absl::StatusOr<Interpreter::Flow> Interpreter::ExecuteStmt(const ast::Stmt& stmt,
                                                           const ScopePtr& scope,
                                                           std::string* out) {
  if (const auto* text = std::get_if<ast::Text>(&stmt.node)) {
    RETURN_IF_ERROR(Append(text->text, out));
  } else if (const auto* output = std::get_if<ast::Output>(&stmt.node)) {
    ASSIGN_OR_RETURN(const Value value, Evaluate(*output->expr, scope));
    RETURN_IF_ERROR(Append(value.Str(), out));
  } else if (const auto* node = std::get_if<ast::If>(&stmt.node)) {
    for (const auto& [condition, body] : node->branches) {
      ASSIGN_OR_RETURN(const Value test, Evaluate(*condition, scope));
      if (test.Truthy()) return Execute(body, scope, out);
    }
    return Execute(node->else_body, scope, out);
  } else if (const auto* node = std::get_if<ast::For>(&stmt.node)) {
    return ExecuteFor(*node, scope, out);
  } else if (const auto* node = std::get_if<ast::Set>(&stmt.node)) {
    ASSIGN_OR_RETURN(Value value, Evaluate(*node->value, scope));
    RETURN_IF_ERROR(ExecuteSet(node->target, std::move(value), scope.get()));
  } else if (const auto* node = std::get_if<ast::BlockSet>(&stmt.node)) {
    ASSIGN_OR_RETURN(std::string text, RenderScoped(node->body, scope));
    ASSIGN_OR_RETURN(Value value, ApplyFilters(node->filters, Value(std::move(text)), scope));
    RETURN_IF_ERROR(ExecuteSet(node->target, std::move(value), scope.get()));
  } else if (const auto* node = std::get_if<ast::Macro>(&stmt.node)) {
    scope->Set(node->name, MakeMacro(node->name, node->params, node->body, scope));
  } else if (const auto* node = std::get_if<ast::CallBlock>(&stmt.node)) {
    const Value caller = MakeMacro("caller", node->caller_params, node->body, scope);
    ASSIGN_OR_RETURN(const Value value,
                     EvaluateCall(std::get<ast::Call>(node->call->node), scope, &caller));
    RETURN_IF_ERROR(Append(value.Str(), out));
  } else if (const auto* node = std::get_if<ast::FilterBlock>(&stmt.node)) {
    ASSIGN_OR_RETURN(std::string text, RenderScoped(node->body, scope));
    ASSIGN_OR_RETURN(const Value value, ApplyFilters(node->filters, Value(std::move(text)), scope));
    RETURN_IF_ERROR(Append(value.Str(), out));
  } else if (const auto* node = std::get_if<ast::ScopedBlock>(&stmt.node)) {
    // All values are computed in the outer scope before any is assigned.
    std::vector<Value> values;
    for (const auto& assignment : node->assignments) {
      ASSIGN_OR_RETURN(Value value, Evaluate(*assignment.second, scope));
      values.push_back(std::move(value));
    }
    auto inner = std::make_shared<Scope>(scope);
    for (size_t i = 0; i < values.size(); ++i) {
      RETURN_IF_ERROR(ExecuteSet(node->assignments[i].first, std::move(values[i]), inner.get()));
    }
    return Execute(node->body, inner, out);
  } else if (std::holds_alternative<ast::Break>(stmt.node)) {
    return Flow::kBreak;
  } else if (std::holds_alternative<ast::Continue>(stmt.node)) {
    return Flow::kContinue;
  }
  return Flow::kNormal;
}

absl::StatusOr<Interpreter::Flow> Interpreter::ExecuteFor(const ast::For& node,
                                                          const ScopePtr& scope, std::string* out) {
  ASSIGN_OR_RETURN(const Value iterable, Evaluate(*node.iterable, scope));
  ASSIGN_OR_RETURN(std::vector<Value> items, Iterate(iterable));
  if (node.condition != nullptr) {
    // `for x in xs if cond`: the loop (and loop.length) sees only the items that pass.
    std::vector<Value> kept;
    for (Value& item : items) {
      auto filter_scope = std::make_shared<Scope>(scope);
      RETURN_IF_ERROR(ExecuteSet(node.target, item, filter_scope.get()));
      ASSIGN_OR_RETURN(const Value pass, Evaluate(*node.condition, filter_scope));
      if (pass.Truthy()) kept.push_back(std::move(item));
    }
    items = std::move(kept);
  }
  if (items.empty()) {
    ASSIGN_OR_RETURN(std::string text, RenderScoped(node.else_body, scope));
    RETURN_IF_ERROR(Append(text, out));
    return Flow::kNormal;
  }
  for (size_t i = 0; i < items.size(); ++i) {
    if (++iterations_ > kMaxLoopIterations) return LimitExceeded("too many loop iterations");
    auto iteration = std::make_shared<Scope>(scope);
    iteration->Set("loop", LoopVariable(items, i));
    RETURN_IF_ERROR(ExecuteSet(node.target, items[i], iteration.get()));
    ASSIGN_OR_RETURN(const Flow flow, Execute(node.body, iteration, out));
    if (flow == Flow::kBreak) break;
  }
  return Flow::kNormal;
}

absl::Status Interpreter::ExecuteSet(const ast::Target& target, Value value, Scope* scope) {
  if (!target.attribute.empty()) {
    const Value* object = scope->Find(target.names[0]);
    if (object == nullptr || !object->is_namespace()) {
      return RuntimeError("cannot assign attribute on non-namespace object");
    }
    object->namespace_object().attributes.Set(Value(target.attribute), std::move(value));
    return absl::OkStatus();
  }
  if (!target.unpack) {
    scope->Set(target.names[0], std::move(value));
    return absl::OkStatus();
  }
  ASSIGN_OR_RETURN(const std::vector<Value> parts, Iterate(value));
  if (parts.size() != target.names.size()) {
    return RuntimeError(absl::StrCat(parts.size() > target.names.size() ? "too many" : "not enough",
                                     " values to unpack (expected ", target.names.size(), ", got ",
                                     parts.size(), ")"));
  }
  for (size_t i = 0; i < parts.size(); ++i) scope->Set(target.names[i], parts[i]);
  return absl::OkStatus();
}

absl::StatusOr<std::string> Interpreter::RenderScoped(const ast::Body& body,
                                                      const ScopePtr& parent) {
  std::string text;
  RETURN_IF_ERROR(Execute(body, std::make_shared<Scope>(parent), &text).status());
  return text;
}

absl::StatusOr<Value> Interpreter::ApplyFilters(const std::vector<ast::FilterCall>& filters,
                                                Value value, const ScopePtr& scope) {
  for (const ast::FilterCall& filter : filters) {
    ASSIGN_OR_RETURN(const CallArgs args, EvaluateArgs(filter.args, scope));
    ASSIGN_OR_RETURN(value, ApplyFilter(filter.name, value, args));
  }
  return value;
}

Value Interpreter::MakeMacro(std::string name, const std::vector<ast::MacroParam>& params,
                             const ast::Body& body, const ScopePtr& scope) {
  return Value::MakeFunction(
      name, [this, name, &params, &body, scope](const CallArgs& args) -> absl::StatusOr<Value> {
        auto frame = std::make_shared<Scope>(scope);
        std::vector<Value> varargs;
        for (size_t i = params.size(); i < args.positional.size(); ++i) {
          varargs.push_back(args.positional[i]);
        }
        Dict kwargs;
        for (const auto& [key, value] : args.keyword) {
          const bool is_param =
              std::any_of(params.begin(), params.end(),
                          [&](const ast::MacroParam& p) { return p.name == key; });
          if (key == "caller") {
            frame->Set("caller", value);
          } else if (!is_param) {
            kwargs.Set(Value(key), value);
          }
        }
        frame->Set("varargs", Value::Tuple(std::move(varargs)));
        frame->Set("kwargs", Value::FromDict(std::move(kwargs)));
        // Defaults are evaluated in the macro's own frame, so they may use earlier parameters.
        for (size_t i = 0; i < params.size(); ++i) {
          const ast::MacroParam& param = params[i];
          Value value =
              Value::Undefined(absl::StrCat("parameter '", param.name, "' was not provided"));
          const auto keyword = std::find_if(args.keyword.begin(), args.keyword.end(),
                                            [&](const auto& kv) { return kv.first == param.name; });
          if (i < args.positional.size()) {
            value = args.positional[i];
          } else if (keyword != args.keyword.end()) {
            value = keyword->second;
          } else if (param.default_value != nullptr) {
            ASSIGN_OR_RETURN(value, Evaluate(*param.default_value, frame));
          }
          frame->Set(param.name, std::move(value));
        }
        std::string text;
        RETURN_IF_ERROR(Execute(body, frame, &text).status());
        return Value(std::move(text));
      });
}

}  // namespace llm::jinja
