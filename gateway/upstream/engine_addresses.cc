#include "gateway/upstream/engine_addresses.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>

namespace llm {
namespace {

bool IsIpAddress(const std::string& host) {
  unsigned char buffer[sizeof(in6_addr)];
  return inet_pton(AF_INET, host.c_str(), buffer) == 1 ||
         inet_pton(AF_INET6, host.c_str(), buffer) == 1;
}

}  // namespace

std::vector<std::string> SystemResolve(const std::string& host) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* results = nullptr;
  std::vector<std::string> addresses;
  if (getaddrinfo(host.c_str(), nullptr, &hints, &results) != 0) return addresses;
  for (const addrinfo* a = results; a != nullptr; a = a->ai_next) {
    char text[INET6_ADDRSTRLEN];
    const void* raw =
        a->ai_family == AF_INET
            ? static_cast<const void*>(&reinterpret_cast<sockaddr_in*>(a->ai_addr)->sin_addr)
            : static_cast<const void*>(&reinterpret_cast<sockaddr_in6*>(a->ai_addr)->sin6_addr);
    if (inet_ntop(a->ai_family, raw, text, sizeof(text)) != nullptr) addresses.push_back(text);
  }
  freeaddrinfo(results);
  return addresses;
}

std::vector<HostPort> ResolveEngineAddresses(const std::vector<HostPort>& configured,
                                             const HostResolver& resolve) {
  std::vector<HostPort> engines;
  auto add = [&](HostPort address) {
    const bool seen = std::any_of(engines.begin(), engines.end(), [&](const HostPort& e) {
      return e.host == address.host && e.port == address.port;
    });
    if (!seen) engines.push_back(std::move(address));
  };
  for (const HostPort& entry : configured) {
    // localhost stays a name: one engine, whichever of its addresses it listens on.
    if (IsIpAddress(entry.host) || entry.host == "localhost") {
      add(entry);
      continue;
    }
    const std::vector<std::string> addresses = resolve(entry.host);
    if (addresses.empty()) add(entry);
    for (const std::string& address : addresses) add({address, entry.port});
  }
  return engines;
}

}  // namespace llm
