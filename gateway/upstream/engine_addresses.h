// The engine replicas behind the configured --engines entries: an IP address stands for
// itself; a name stands for every address it resolves to, so one Kubernetes headless
// service name reaches each engine pod, and each pod is balanced and health-checked on
// its own. Resolved once at start-up.
#ifndef LLM_GATEWAY_UPSTREAM_ENGINE_ADDRESSES_H_
#define LLM_GATEWAY_UPSTREAM_ENGINE_ADDRESSES_H_

#include <functional>
#include <string>
#include <vector>

#include "common/host_port.h"

namespace llm {

// A host name's addresses (empty if it does not resolve).
using HostResolver = std::function<std::vector<std::string>(const std::string& host)>;

// The system resolver (getaddrinfo: /etc/hosts, DNS).
std::vector<std::string> SystemResolve(const std::string& host);

// Unresolvable names are kept as they are (gRPC retries them), with duplicates dropped.
std::vector<HostPort> ResolveEngineAddresses(const std::vector<HostPort>& configured,
                                             const HostResolver& resolve = SystemResolve);

}  // namespace llm

#endif  // LLM_GATEWAY_UPSTREAM_ENGINE_ADDRESSES_H_
