// NodeSelector: a corev1.NodeSelector (terms ORed, expressions ANDed) parsed
// once and matched against a node's labels and name, as the scheduler does
// for required node affinity.
#ifndef IPAM_POOL_NODE_SELECTOR_H_
#define IPAM_POOL_NODE_SELECTOR_H_

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "kube/status.h"

namespace ipam {

class NodeSelector {
 public:
  // Null or absent selects every node; an empty term list selects none.
  static kube::Result<NodeSelector> Parse(const nlohmann::json& selector, const std::string& field);
  bool Matches(const std::string& node_name, const std::map<std::string, std::string>& labels) const;
  bool selects_all() const { return all_; }

 private:
  struct Requirement {
    std::string key;
    std::string op;
    std::vector<std::string> values;
    bool on_field = false;  // matchFields (metadata.name) rather than labels
  };
  bool all_ = true;
  std::vector<std::vector<Requirement>> terms_;
};

}  // namespace ipam

#endif  // IPAM_POOL_NODE_SELECTOR_H_
