#include "kube/rest_mapper.h"

#include <nlohmann/json.hpp>

namespace kube {

Result<std::vector<Resource>> RestMapper::Discover(const std::string& group, const std::string& version) {
  Request req;
  req.path = group.empty() ? "/api/" + version : "/apis/" + group + "/" + version;
  auto resp = rest_.Do(req);
  if (!resp.ok()) return resp.status().WithContext("discovering " + req.path);
  auto doc = nlohmann::json::parse(resp->body, nullptr, false);
  if (doc.is_discarded() || !doc.contains("resources")) {
    return Status(Code::kInternal, "discovery answer for " + req.path + " is not an APIResourceList");
  }
  std::vector<Resource> out;
  for (const auto& r : doc["resources"]) {
    const std::string name = r.value("name", "");
    if (name.empty() || name.find('/') != std::string::npos) continue;  // skip subresources
    out.push_back({group, version, name, r.value("kind", ""), r.value("namespaced", false)});
  }
  return out;
}

Result<Resource> RestMapper::ResourceFor(const GroupVersionKind& gvk) {
  const std::string key = gvk.ApiVersion();
  auto find = [&]() -> const Resource* {
    auto it = by_group_version_.find(key);
    if (it == by_group_version_.end()) return nullptr;
    for (const auto& r : it->second) {
      if (r.kind == gvk.kind) return &r;
    }
    return nullptr;
  };
  {
    std::lock_guard lock(mu_);
    if (const Resource* r = find()) return *r;
  }
  // A miss may be a kind whose CRD appeared since the last discovery: look again.
  auto found = Discover(gvk.group, gvk.version);
  if (!found.ok() && !IsNotFound(found.status())) return found.status();
  std::lock_guard lock(mu_);
  if (found.ok()) by_group_version_[key] = std::move(found).value();
  if (const Resource* r = find()) return *r;
  return Status(Code::kNotFound, "no resource serves kind " + gvk.kind + " in " + key);
}

}  // namespace kube
