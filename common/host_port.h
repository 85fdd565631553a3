// Network addresses as flags give them: "host:port", "[v6addr]:port".
#ifndef LLM_COMMON_HOST_PORT_H_
#define LLM_COMMON_HOST_PORT_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace llm {

struct HostPort {
  std::string host;  // A name, an IPv4 address, or an IPv6 address without brackets.
  int port = 0;      // 1..65535.

  // "host:port", with brackets around an IPv6 host: the form gRPC and Beast accept.
  std::string ToString() const;
};

// Parses "host:port" or "[ipv6]:port". The host must be a plausible DNS name or IP
// address; the error message quotes the input and says what is wrong.
absl::StatusOr<HostPort> ParseHostPort(absl::string_view text);

// Parses a comma-separated list of addresses; empty entries are errors.
absl::StatusOr<std::vector<HostPort>> ParseHostPortList(absl::string_view text);

}  // namespace llm

#endif  // LLM_COMMON_HOST_PORT_H_
