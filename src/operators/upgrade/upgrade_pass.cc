#include "upgrade_pass.h"

#include <map>

#include <nlohmann/json.hpp>

#include "kube/metadata_patch.h"
#include "node_facts.h"
#include "readiness.h"

namespace upgrade {
namespace {

using nlohmann::json;
namespace r = kube::resources;

std::string OwnerUid(const kube::Object& o) {
  for (const auto& ref : o.Tree()["metadata"].value("ownerReferences", json::array())) {
    if (ref.value("controller", false)) return ref.value("uid", "");
  }
  return "";
}

}  // namespace

UpgradePass::UpgradePass(kube::Client& client, DriverFleet fleet) : client_(client), fleet_(std::move(fleet)) {}

kube::Result<std::vector<NodeFacts>> UpgradePass::ReadFleet(const UpgradePolicy& policy) {
  const std::string& ns = fleet_.namespace_;
  // The newest revision of each driver DaemonSet: its ControllerRevision with the highest number.
  auto revisions = client_.ListAll(r::ControllerRevisions(), ns, {.label_selector = fleet_.driver_pod_selector});
  if (!revisions.ok()) return revisions.status().WithContext("listing the driver's ControllerRevisions");
  std::map<std::string, std::pair<int64_t, std::string>> newest;  // DaemonSet uid -> (revision, hash)
  for (const auto& rev : revisions->items) {
    const json tree = rev.Tree();
    const int64_t number = tree.value("revision", int64_t{0});
    const std::string hash = tree["metadata"].value("labels", json::object()).value("controller-revision-hash", "");
    auto& best = newest[OwnerUid(rev)];
    if (number >= best.first) best = {number, hash};
  }
  auto pods = client_.ListAll(r::Pods(), ns, {.label_selector = fleet_.driver_pod_selector});
  if (!pods.ok()) return pods.status().WithContext("listing the driver pods");
  std::map<std::string, json> driver_pod;          // node -> pod
  std::map<std::string, std::string> newest_hash;  // node -> its DaemonSet's newest hash
  for (const auto& p : pods->items) {
    json tree = p.Tree();
    const std::string node = tree["spec"].value("nodeName", "");
    if (node.empty()) continue;
    // Of two pods on one node (the old one terminating), the one not terminating speaks for it.
    auto it = driver_pod.find(node);
    if (it != driver_pod.end() && !Active(tree)) continue;
    newest_hash[node] = newest[OwnerUid(p)].second;
    driver_pod[node] = std::move(tree);
  }
  auto nodes = client_.ListAll(r::Nodes(), "", {});
  if (!nodes.ok()) return nodes.status().WithContext("listing Nodes");

  std::vector<NodeFacts> out;
  for (const auto& node : nodes->items) {
    const json tree = node.Tree();
    NodeFacts n = NodeFactsOf(tree, fleet_.keys);
    auto pod = driver_pod.find(n.name);
    // Nodes without a driver pod are not the driver's, unless the upgrade left them mid-way
    // (the old pod deleted, the new one not yet created).
    if (pod == driver_pod.end() && n.state != UpgradeState::kPodRestartRequired) continue;
    if (pod != driver_pod.end()) n.pod = DriverPodFactsOf(pod->second, newest_hash[n.name]);

    const bool waiting = n.state == UpgradeState::kWaitForJobsRequired;
    const bool deleting = n.state == UpgradeState::kPodDeletionRequired;
    const bool draining = n.state == UpgradeState::kDrainRequired;
    const bool validating = n.state == UpgradeState::kValidationRequired;
    const std::string on_node = "spec.nodeName=" + n.name;
    auto count = [&](const std::string& selector, auto&& keep) -> kube::Result<int> {
      auto list = client_.ListAll(r::Pods(), "", {.label_selector = selector, .field_selector = on_node});
      if (!list.ok()) return list.status().WithContext("listing the pods on " + n.name);
      int c = 0;
      for (const auto& p : list->items) c += keep(p.Tree()) ? 1 : 0;
      return c;
    };
    if (waiting && !policy.wait_for_completion.pod_selector.empty()) {
      auto c = count(policy.wait_for_completion.pod_selector, [](const json& p) { return Active(p); });
      if (!c.ok()) return c.status();
      n.pods_to_wait_for = *c;
    }
    if (deleting) {
      auto c = count("", [](const json& p) { return UsesGpus(p); });
      if (!c.ok()) return c.status();
      n.pods_to_delete = *c;
    }
    if (draining) {
      auto c = count(policy.drain.pod_selector, [&](const json& p) { return Drainable(p, fleet_.keys); });
      if (!c.ok()) return c.status();
      n.pods_to_drain = *c;
    }
    if (validating && !fleet_.validator_selector.empty()) {
      auto c = count(fleet_.validator_selector, [](const json& p) { return operators::PodReady(p); });
      if (!c.ok()) return c.status();
      n.validator_ready = *c > 0;
    }
    out.push_back(std::move(n));
  }
  return out;
}

kube::Result<PassResult> UpgradePass::Run(const UpgradePolicy& policy, int64_t now) {
  auto facts = ReadFleet(policy);
  if (!facts.ok()) return facts.status();
  PassResult result;
  result.plan = PlanUpgrade(*facts, policy, fleet_.flow, now);
  for (const auto& step : result.plan.steps) {
    if (kube::Status s = Carry(step, policy, now); !s.ok()) result.failures.push_back(step.node + ": " + s.ToString());
  }
  return result;
}

kube::Status UpgradePass::Carry(const NodeStep& step, const UpgradePolicy& policy, int64_t now) {
  auto node = client_.Get(r::Nodes(), "", step.node);
  if (!node.ok()) return node.status();
  const UpgradeKeys& k = fleet_.keys;
  const std::string on_node = "spec.nodeName=" + step.node;
  kube::MetadataChanges annotations;
  json spec = json::object();
  for (Action a : step.actions) {
    switch (a) {
      case Action::kRecordInitiallyUnschedulable: annotations[k.initial_unschedulable_annotation] = "true"; break;
      case Action::kCordon: spec["unschedulable"] = true; break;
      case Action::kUncordon: spec["unschedulable"] = nullptr; break;
      case Action::kStartWaitClock: annotations[k.wait_start_annotation] = std::to_string(now); break;
      case Action::kStartEvictionClock: annotations[k.eviction_start_annotation] = std::to_string(now); break;
      case Action::kStartValidationClock: annotations[k.validation_start_annotation] = std::to_string(now); break;
      case Action::kRemoveSafeLoad: annotations[k.safe_load_annotation] = std::nullopt; break;
      case Action::kClearAnnotations:
        for (const std::string* key : {&k.wait_start_annotation, &k.eviction_start_annotation,
                                       &k.validation_start_annotation, &k.requested_annotation}) {
          annotations[*key] = std::nullopt;
        }
        if (step.to == UpgradeState::kUpgradeDone) annotations[k.initial_unschedulable_annotation] = std::nullopt;
        break;
      case Action::kDeleteDriverPod: {
        auto pods = client_.ListAll(r::Pods(), fleet_.namespace_,
                                    {.label_selector = fleet_.driver_pod_selector, .field_selector = on_node});
        if (!pods.ok()) return pods.status();
        for (const auto& p : pods->items) {
          if (!Active(p.Tree())) continue;
          kube::Status s = client_.Delete(r::Pods(), p.namespace_(), p.name(), {.precondition_uid = p.meta().uid});
          if (!s.ok() && !kube::IsNotFound(s)) return s;
        }
        break;
      }
      case Action::kDeleteDriverUsers: {
        auto pods = client_.ListAll(r::Pods(), "", {.field_selector = on_node});
        if (!pods.ok()) return pods.status();
        for (const auto& p : pods->items) {
          if (!UsesGpus(p.Tree())) continue;
          kube::DeleteOptions options;
          if (policy.pod_deletion.force) options.grace_period_seconds = 0;
          kube::Status s = client_.Delete(r::Pods(), p.namespace_(), p.name(), options);
          if (!s.ok() && !kube::IsNotFound(s)) return s;
        }
        break;
      }
      case Action::kEvict: {
        auto pods = client_.ListAll(r::Pods(), "", {.label_selector = policy.drain.pod_selector, .field_selector = on_node});
        if (!pods.ok()) return pods.status();
        for (const auto& p : pods->items) {
          if (!Drainable(p.Tree(), k)) continue;
          // A PodDisruptionBudget refuses with 429; the next pass asks again. The deadline keeps
          // the client's own retries of that answer short.
          kube::Request req;
          req.method = "POST";
          req.path = r::Pods().ObjectPath(p.namespace_(), p.name()) + "/eviction";
          req.body = json({{"apiVersion", "policy/v1"},
                           {"kind", "Eviction"},
                           {"metadata", {{"name", p.name()}, {"namespace", p.namespace_()}}}})
                         .dump();
          req.deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
          auto evicted = client_.rest().Do(req);
          if (!evicted.ok() && !kube::IsNotFound(evicted.status())) break;  // blocked: the rest wait too
        }
        break;
      }
    }
  }
  // The node's part in one merge patch, guarded by the resourceVersion read: cordon and label
  // change together or not at all.
  json patch = json::parse(kube::MetadataPatch(*node, {{k.state_label, std::string(StateName(step.to))}}, annotations));
  if (step.to == UpgradeState::kUnknown) patch["metadata"]["labels"][k.state_label] = nullptr;
  if (!spec.empty()) patch["spec"] = spec;
  auto patched = client_.Patch(r::Nodes(), "", step.node, kube::PatchType::kMerge, patch.dump());
  return patched.status();
}

kube::Status UpgradePass::Clear() {
  const UpgradeKeys& k = fleet_.keys;
  auto nodes = client_.ListAll(r::Nodes(), "", {.label_selector = k.state_label});
  if (!nodes.ok()) return nodes.status();
  for (const auto& node : nodes->items) {
    kube::MetadataChanges annotations;
    for (const std::string* key : {&k.wait_start_annotation, &k.eviction_start_annotation, &k.validation_start_annotation,
                                   &k.requested_annotation, &k.initial_unschedulable_annotation}) {
      annotations[*key] = std::nullopt;
    }
    auto patched = client_.Patch(r::Nodes(), "", node.name(), kube::PatchType::kMerge,
                                 kube::MetadataPatch(node, {{k.state_label, std::nullopt}}, annotations));
    if (!patched.ok() && !kube::IsNotFound(patched.status())) return patched.status();
  }
  return kube::Status::Ok();
}

}  // namespace upgrade
