// Interpreter: walks a parsed template and writes its output. Statements are executed in
// interpreter.cc, expressions evaluated in evaluator.cc. One Interpreter serves one
// render (it counts loop iterations and call depth against limits.h); the syntax tree
// must outlive it. Not thread-safe.
#ifndef LLM_COMMON_JINJA_INTERPRETER_H_
#define LLM_COMMON_JINJA_INTERPRETER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/jinja/ast.h"
#include "common/jinja/scope.h"
#include "common/jinja/value.h"

namespace llm::jinja {

class Interpreter {
 public:
  // Renders `body` with the variables of `context` (a dict).
  static absl::StatusOr<std::string> Render(const ast::Body& body, const Value& context);

 private:
  enum class Flow { kNormal, kBreak, kContinue };
  using ScopePtr = std::shared_ptr<Scope>;

  Interpreter() = default;

  // interpreter.cc
  absl::StatusOr<Flow> Execute(const ast::Body& body, const ScopePtr& scope, std::string* out);
  absl::StatusOr<Flow> ExecuteStmt(const ast::Stmt& stmt, const ScopePtr& scope, std::string* out);
  absl::StatusOr<Flow> ExecuteFor(const ast::For& node, const ScopePtr& scope, std::string* out);
  absl::Status ExecuteSet(const ast::Target& target, Value value, Scope* scope);
  absl::StatusOr<std::string> RenderScoped(const ast::Body& body, const ScopePtr& parent);
  absl::StatusOr<Value> ApplyFilters(const std::vector<ast::FilterCall>& filters, Value value,
                                     const ScopePtr& scope);
  // A callable that renders `body` with `params` bound: a macro, or a call block's caller.
  Value MakeMacro(std::string name, const std::vector<ast::MacroParam>& params,
                  const ast::Body& body, const ScopePtr& scope);
  absl::Status Append(absl::string_view text, std::string* out) const;

  // evaluator.cc
  absl::StatusOr<Value> Evaluate(const ast::Expr& expr, const ScopePtr& scope);
  absl::StatusOr<CallArgs> EvaluateArgs(const ast::Arguments& args, const ScopePtr& scope);
  absl::StatusOr<Value> EvaluateCall(const ast::Call& call, const ScopePtr& scope,
                                     const Value* caller);
  absl::StatusOr<Value> CallFunction(const Value& callee, const CallArgs& args);
  absl::StatusOr<Value> EvaluateBinary(const ast::Binary& binary, const ScopePtr& scope);
  absl::StatusOr<Value> EvaluateCompare(const ast::Compare& compare, const ScopePtr& scope);

  int64_t iterations_ = 0;
  int call_depth_ = 0;
};

}  // namespace llm::jinja

#endif  // LLM_COMMON_JINJA_INTERPRETER_H_
