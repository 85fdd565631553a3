#include "common/host_port.h"

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace llm {
namespace {

bool IsHostChar(char c) { return absl::ascii_isalnum(c) || c == '-' || c == '.' || c == '_'; }

bool IsIpv6Char(char c) { return absl::ascii_isxdigit(c) || c == ':' || c == '.'; }

absl::Status Invalid(absl::string_view text, absl::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("invalid address '", text, "': ", why, " (expected HOST:PORT)"));
}

}  // namespace

std::string HostPort::ToString() const {
  const bool ipv6 = host.find(':') != std::string::npos;
  return ipv6 ? absl::StrCat("[", host, "]:", port) : absl::StrCat(host, ":", port);
}

absl::StatusOr<HostPort> ParseHostPort(absl::string_view text) {
  const size_t colon = text.rfind(':');
  if (colon == absl::string_view::npos) return Invalid(text, "no port");
  absl::string_view host = text.substr(0, colon);
  absl::string_view port_text = text.substr(colon + 1);

  if (absl::ConsumePrefix(&host, "[")) {
    if (!absl::ConsumeSuffix(&host, "]")) return Invalid(text, "unclosed '['");
    if (host.empty() || !std::all_of(host.begin(), host.end(), IsIpv6Char)) {
      return Invalid(text, "bad IPv6 address");
    }
  } else if (host.empty()) {
    return Invalid(text, "empty host");
  } else if (!std::all_of(host.begin(), host.end(), IsHostChar)) {
    return Invalid(text, "bad host name");
  }

  int port = 0;
  if (!absl::SimpleAtoi(port_text, &port) || port < 1 || port > 65535) {
    return Invalid(text, "port must be a number from 1 to 65535");
  }
  return HostPort{std::string(host), port};
}

absl::StatusOr<std::vector<HostPort>> ParseHostPortList(absl::string_view text) {
  std::vector<HostPort> result;
  for (absl::string_view item : absl::StrSplit(text, ',')) {
    item = absl::StripAsciiWhitespace(item);
    if (item.empty()) {
      return absl::InvalidArgumentError(absl::StrCat("empty address in list '", text, "'"));
    }
    absl::StatusOr<HostPort> address = ParseHostPort(item);
    if (!address.ok()) return address.status();
    result.push_back(*std::move(address));
  }
  return result;
}

}  // namespace llm
