// render_chat_template: renders chat-template cases with the C++ Jinja interpreter, for
// checking it against Python's jinja2. Reads JSON lines on stdin in the format of
// testdata/chat_templates/dev_cases.jsonl ({"id", "template", "messages", "tools",
// "add_generation_prompt", "bos_token", "eos_token"}; `template` names
// <templates_dir>/<template>.jinja) and writes one line per case, in order:
// {"id": ..., "output": "..."} or {"id": ..., "error": "..."}. A bad case is an error
// line and the rest still run; the exit status is 1 only for bad flags.
#include <sys/stat.h>

#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/flags/flag.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/jinja/json.h"
#include "common/jinja/template.h"
#include "common/startup.h"
#include "common/status_macros.h"
#include "rapidjson/document.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"

ABSL_FLAG(std::string, templates_dir, "", "directory holding the <template>.jinja files");

namespace llm {
namespace {

class CaseRenderer {
 public:
  explicit CaseRenderer(std::string templates_dir) : templates_dir_(std::move(templates_dir)) {}

  // The output line (without newline) for one input line.
  std::string RenderLine(absl::string_view line) {
    rapidjson::Document input;
    input.Parse(line.data(), line.size());
    rapidjson::Value id;  // null unless the case names one
    absl::StatusOr<std::string> output = absl::InvalidArgumentError("a case must be a JSON object");
    if (input.HasParseError()) {
      output = absl::InvalidArgumentError(
          absl::StrCat("invalid JSON at offset ", input.GetErrorOffset()));
    } else if (input.IsObject()) {
      if (input.HasMember("id")) id.CopyFrom(input["id"], input.GetAllocator());
      output = Render(input);
    }
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
    writer.StartObject();
    writer.Key("id");
    id.Accept(writer);
    writer.Key(output.ok() ? "output" : "error");
    const std::string& text = output.ok() ? *output : std::string(output.status().message());
    writer.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
    writer.EndObject();
    return std::string(buffer.GetString(), buffer.GetSize());
  }

 private:
  absl::StatusOr<std::string> Render(const rapidjson::Document& input) {
    if (!input.HasMember("template") || !input["template"].IsString()) {
      return absl::InvalidArgumentError("'template' must be a string");
    }
    if (!input.HasMember("messages") || !input["messages"].IsArray()) {
      return absl::InvalidArgumentError("'messages' must be a list");
    }
    ASSIGN_OR_RETURN(const jinja::Template* chat_template, Load(input["template"].GetString()));
    jinja::Dict context;
    context.Set(jinja::Value("messages"), jinja::FromJson(input["messages"]));
    context.Set(jinja::Value("tools"),
                input.HasMember("tools") ? jinja::FromJson(input["tools"]) : jinja::Value::None());
    context.Set(jinja::Value("documents"), jinja::Value::None());
    const bool generation_prompt =
        input.HasMember("add_generation_prompt") && input["add_generation_prompt"].IsTrue();
    context.Set(jinja::Value("add_generation_prompt"), jinja::Value(generation_prompt));
    // A null token leaves the variable undefined, as transformers does.
    for (const char* token : {"bos_token", "eos_token"}) {
      if (input.HasMember(token) && input[token].IsString()) {
        context.Set(jinja::Value(token), jinja::FromJson(input[token]));
      }
    }
    return chat_template->Render(jinja::Value::FromDict(std::move(context)));
  }

  // Parses each template file once; a parse error is remembered too.
  absl::StatusOr<const jinja::Template*> Load(const std::string& name) {
    auto it = templates_.find(name);
    if (it == templates_.end()) it = templates_.emplace(name, Read(name)).first;
    if (!it->second.ok()) return it->second.status();
    return &*it->second;
  }

  absl::StatusOr<jinja::Template> Read(const std::string& name) const {
    if (name.empty() || name.find('/') != std::string::npos || name[0] == '.') {
      return absl::InvalidArgumentError(absl::StrCat("bad template name '", name, "'"));
    }
    const std::string path = absl::StrCat(templates_dir_, "/", name, ".jinja");
    std::ifstream file(path, std::ios::binary);
    if (!file) return absl::NotFoundError(absl::StrCat("cannot read ", path));
    std::ostringstream source;
    source << file.rdbuf();
    absl::StatusOr<jinja::Template> parsed = jinja::Template::Parse(source.str());
    if (!parsed.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": ", parsed.status().message()));
    }
    return parsed;
  }

  std::string templates_dir_;
  absl::flat_hash_map<std::string, absl::StatusOr<jinja::Template>> templates_;
};

int Run(int argc, char** argv) {
  ParseFlagsOrExit(argc, argv,
                   "Renders chat-template cases (JSON lines on stdin) with the C++ Jinja "
                   "interpreter; writes one JSON line per case.");
  const std::string templates_dir = absl::GetFlag(FLAGS_templates_dir);
  struct stat info;
  if (templates_dir.empty()) {
    ExitWithError("--templates_dir", absl::InvalidArgumentError("required"));
  }
  if (stat(templates_dir.c_str(), &info) != 0 || !S_ISDIR(info.st_mode)) {
    ExitWithError("--templates_dir",
                  absl::NotFoundError(absl::StrCat("not a readable directory: ", templates_dir)));
  }
  CaseRenderer renderer(templates_dir);
  std::string line;
  while (std::getline(std::cin, line)) {
    if (absl::StripAsciiWhitespace(line).empty()) continue;
    std::cout << renderer.RenderLine(line) << "\n";
  }
  std::cout.flush();
  return 0;
}

}  // namespace
}  // namespace llm

int main(int argc, char** argv) { return llm::Run(argc, argv); }
