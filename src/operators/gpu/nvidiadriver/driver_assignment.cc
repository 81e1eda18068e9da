#include "nvidiadriver/driver_assignment.h"

#include <algorithm>
#include <set>

namespace gpu {
namespace {

bool Selects(const DriverClaim& driver, const NodeLabels& node) {
  for (const auto& [key, value] : driver.node_selector) {
    auto it = node.labels.find(key);
    if (it == node.labels.end() || it->second != value) return false;
  }
  return true;
}

std::string CurrentOwner(const NodeLabels& node) {
  auto it = node.labels.find(kDriverOwnerLabel);
  return it == node.labels.end() ? "" : it->second;
}

}  // namespace

DriverAssignment AssignDriverNodes(std::vector<DriverClaim> drivers, const std::vector<NodeLabels>& gpu_nodes) {
  std::sort(drivers.begin(), drivers.end(), [](const DriverClaim& a, const DriverClaim& b) {
    return a.created != b.created ? a.created < b.created : a.name < b.name;
  });
  DriverAssignment out;
  const DriverClaim* default_driver = nullptr;
  std::map<std::string, std::string> taken;  // node -> accepted non-default driver
  std::set<std::string> held;                // nodes a rejected driver selects
  for (const auto& driver : drivers) {
    if (driver.node_selector.count(kDriverOwnerLabel)) {
      out.rejected[driver.name] = std::string("spec.nodeSelector must not use ") + kDriverOwnerLabel +
                                  ": the operator sets it on each node to the driver that drives it";
      continue;
    }
    if (driver.is_default) {
      if (default_driver) {
        out.rejected[driver.name] = "NVIDIADriver " + default_driver->name +
                                    " is already the default (spec.default); there can be only one";
      } else {
        default_driver = &driver;
      }
      continue;
    }
    std::vector<std::string> selected;
    std::string conflict;
    for (const auto& node : gpu_nodes) {
      if (!Selects(driver, node)) continue;
      selected.push_back(node.name);
      auto it = taken.find(node.name);
      if (it != taken.end() && conflict.empty()) {
        conflict = "multiple NVIDIADrivers match the same node: " + node.name + " is also selected by " + it->second +
                   ", which is older and keeps it; give the two drivers disjoint nodeSelectors";
      }
    }
    if (!conflict.empty()) {
      out.rejected[driver.name] = conflict;
      held.insert(selected.begin(), selected.end());
      continue;
    }
    for (const auto& n : selected) taken[n] = driver.name;
    out.nodes[driver.name];  // an accepted driver has an entry, even with no nodes
  }
  if (default_driver) out.nodes[default_driver->name];

  for (const auto& node : gpu_nodes) {
    std::string owner;
    if (auto it = taken.find(node.name); it != taken.end()) {
      owner = it->second;
    } else if (held.count(node.name)) {
      // Fail closed: the node keeps its driver, if that driver is still accepted.
      const std::string current = CurrentOwner(node);
      if (out.nodes.count(current)) out.nodes[current].push_back(node.name);
      continue;
    } else if (default_driver) {
      owner = default_driver->name;
    }
    out.owner[node.name] = owner;
    if (!owner.empty()) out.nodes[owner].push_back(node.name);
  }
  for (auto& [name, nodes] : out.nodes) std::sort(nodes.begin(), nodes.end());
  return out;
}

}  // namespace gpu
