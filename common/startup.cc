#include "common/startup.h"

#include <errno.h>

#include <cstdio>
#include <cstdlib>
#include <vector>

#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"

namespace llm {

void ParseFlagsOrExit(int argc, char** argv, absl::string_view usage) {
  absl::SetProgramUsageMessage(usage);
  const std::vector<char*> positional = absl::ParseCommandLine(argc, argv);
  if (positional.size() > 1) {
    ExitWithError("arguments", absl::InvalidArgumentError(absl::StrCat(
                                   "unexpected '", positional[1], "' (settings are --flags)")));
  }
}

void ExitWithError(absl::string_view what, const absl::Status& status) {
  const std::string line =
      absl::StrCat(program_invocation_short_name, ": ", what, ": ", status.message(), "\n");
  std::fputs(line.c_str(), stderr);
  std::exit(1);
}

}  // namespace llm
