// Checks that an operator at rest writes nothing: the resourceVersions of
// what it owns, taken once the last rollout has been handled, and the
// changes between two readings named one by one for a failure message.
#ifndef TEST_RIG_AT_REST_H_
#define TEST_RIG_AT_REST_H_

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <thread>

namespace rig {

using Versions = std::map<std::string, std::string>;  // object -> resourceVersion

// "ClusterPolicy/x: 12 -> 15; ..." for what changed, appeared or went; empty when nothing did.
inline std::string VersionChanges(const Versions& before, const Versions& after) {
  std::string out;
  auto note = [&](const std::string& key, const std::string& from, const std::string& to) {
    out += (out.empty() ? "" : "; ") + key + ": " + (from.empty() ? "(none)" : from) + " -> " +
           (to.empty() ? "(none)" : to);
  };
  for (const auto& [key, version] : before) {
    auto it = after.find(key);
    if (it == after.end()) note(key, version, "");
    else if (it->second != version) note(key, version, it->second);
  }
  for (const auto& [key, version] : after) {
    if (!before.count(key)) note(key, "", version);
  }
  return out;
}

// The versions once two readings `settle` apart agree: events still in flight when a test saw
// its condition (a node label landing, a DaemonSet's last status) have been handled.
inline Versions SettledVersions(const std::function<Versions()>& read, std::chrono::milliseconds settle,
                                std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  Versions current = read();
  while (std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(settle);
    Versions next = read();
    if (next == current) break;
    current = std::move(next);
  }
  return current;
}

}  // namespace rig

#endif  // TEST_RIG_AT_REST_H_
