#include "upgrade_pass.h"

#include <algorithm>
#include <map>

#include <nlohmann/json.hpp>

#include "kube/field_mask.h"
#include "kube/metadata_patch.h"
#include "node_facts.h"
#include "readiness.h"

namespace upgrade {
namespace {

using nlohmann::json;
namespace r = kube::resources;

// What a pass reads of each kind: a list of a thousand nodes or pods decodes what the plan needs,
// not every object's whole status, managed fields or (for a revision) pod template.
const kube::FieldMask& NodeFields() {
  static const kube::FieldMask mask =
      kube::FieldMask::WithMetadata({"metadata.annotations", "spec.unschedulable", "status.conditions"});
  return mask;
}
const kube::FieldMask& DriverPodFields() {
  static const kube::FieldMask mask = kube::FieldMask::WithMetadata(
      {"spec.nodeName", "status.phase", "status.containerStatuses", "status.initContainerStatuses"});
  return mask;
}
const kube::FieldMask& RevisionFields() {
  static const kube::FieldMask mask = kube::FieldMask::WithMetadata({"revision"});
  return mask;
}
// A node's other pods: what says whether they use GPUs, may be removed, or are Ready.
const kube::FieldMask& PodOnNodeFields() {
  static const kube::FieldMask mask =
      kube::FieldMask::WithMetadata({"metadata.annotations", "spec.containers", "spec.initContainers", "spec.volumes",
                                     "status.phase", "status.containerStatuses"});
  return mask;
}

std::string OwnerUid(const kube::Object& o) {
  for (const auto& ref : o.Tree()["metadata"].value("ownerReferences", json::array())) {
    if (ref.value("controller", false)) return ref.value("uid", "");
  }
  return "";
}

}  // namespace

UpgradePass::UpgradePass(kube::Client& client, kube::EventRecorder* recorder, DriverFleet fleet)
    : client_(client), recorder_(recorder), fleet_(std::move(fleet)) {}

kube::Result<std::vector<NodeFacts>> UpgradePass::ReadFleet(const UpgradePolicy& policy) {
  auto fleet = Read(policy);
  if (!fleet.ok()) return fleet.status();
  return std::move(fleet->facts);
}

kube::Result<UpgradePass::Fleet> UpgradePass::Read(const UpgradePolicy& policy) {
  const std::string& ns = fleet_.namespace_;
  // The newest revision of each driver DaemonSet: its ControllerRevision with the highest number.
  auto revisions =
      client_.ListAll(r::ControllerRevisions(), ns, {.label_selector = fleet_.driver_pod_selector}, &RevisionFields());
  if (!revisions.ok()) return revisions.status().WithContext("listing the driver's ControllerRevisions");
  std::map<std::string, std::pair<int64_t, std::string>> newest;  // DaemonSet uid -> (revision, hash)
  for (const auto& rev : revisions->items) {
    const json tree = rev.Tree();
    const int64_t number = tree.value("revision", int64_t{0});
    const std::string hash = tree["metadata"].value("labels", json::object()).value("controller-revision-hash", "");
    auto& best = newest[OwnerUid(rev)];
    if (number >= best.first) best = {number, hash};
  }
  auto pods = client_.ListAll(r::Pods(), ns, {.label_selector = fleet_.driver_pod_selector}, &DriverPodFields());
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
    // A pod no DaemonSet with a known revision controls (orphaned while another DaemonSet adopts
    // it) is not judged until it has one, as upstream leaves orphans alone.
    auto owner = newest.find(OwnerUid(p));
    newest_hash[node] = owner != newest.end() ? owner->second.second : "";
    driver_pod[node] = std::move(tree);
  }
  auto nodes = client_.ListAll(r::Nodes(), "", {.label_selector = fleet_.node_selector}, &NodeFields());
  if (!nodes.ok()) return nodes.status().WithContext("listing Nodes");

  Fleet out;
  for (auto& node : nodes->items) {
    const json tree = node.Tree();
    NodeFacts n = NodeFactsOf(tree, fleet_.keys);
    auto pod = driver_pod.find(n.name);
    // Nodes without a driver pod are not the driver's, unless the upgrade left them mid-way
    // (the old pod deleted, the new one not yet created).
    if (pod == driver_pod.end() && n.state != UpgradeState::kPodRestartRequired) continue;
    if (pod != driver_pod.end()) {
      if (newest_hash[n.name].empty()) continue;
      n.pod = DriverPodFactsOf(pod->second, newest_hash[n.name]);
    }

    const bool waiting = n.state == UpgradeState::kWaitForJobsRequired;
    const bool deleting = n.state == UpgradeState::kPodDeletionRequired;
    const bool draining = n.state == UpgradeState::kDrainRequired;
    const bool validating = n.state == UpgradeState::kValidationRequired;
    const std::string on_node = "spec.nodeName=" + n.name;
    // The pods on the node `selector` selects and `keep` takes; with `rules`, the first the
    // step may not remove is noted.
    auto count = [&](const std::string& selector, auto&& keep, const RemovalRules* rules = nullptr) -> kube::Result<int> {
      auto list =
          client_.ListAll(r::Pods(), "", {.label_selector = selector, .field_selector = on_node}, &PodOnNodeFields());
      if (!list.ok()) return list.status().WithContext("listing the pods on " + n.name);
      int c = 0;
      for (const auto& p : list->items) {
        const json candidate = p.Tree();
        if (!keep(candidate)) continue;
        ++c;
        if (rules != nullptr && n.removal_refused.empty()) n.removal_refused = RemovalRefused(candidate, *rules);
      }
      return c;
    };
    if (waiting && !policy.wait_for_completion.pod_selector.empty()) {
      auto c = count(policy.wait_for_completion.pod_selector, [](const json& p) { return Active(p); });
      if (!c.ok()) return c.status();
      n.pods_to_wait_for = *c;
    }
    if (deleting) {
      const RemovalRules rules{policy.pod_deletion.force, policy.pod_deletion.delete_empty_dir};
      auto c = count("", [](const json& p) { return UsesGpus(p) && Removable(p); }, &rules);
      if (!c.ok()) return c.status();
      n.pods_to_delete = *c;
    }
    if (draining) {
      const RemovalRules rules{policy.drain.force, policy.drain.delete_empty_dir};
      auto c = count(policy.drain.pod_selector, [&](const json& p) { return Drainable(p, fleet_.keys); }, &rules);
      if (!c.ok()) return c.status();
      n.pods_to_drain = *c;
    }
    if (validating && !fleet_.validator_selector.empty()) {
      auto c = count(fleet_.validator_selector, [](const json& p) { return operators::PodReady(p); });
      if (!c.ok()) return c.status();
      n.validator_ready = *c > 0;
    }
    if (!fleet_.enabled_annotation.empty() &&
        tree["metadata"].value("annotations", json::object()).value(fleet_.enabled_annotation, "") != "true") {
      out.unmarked.push_back(n.name);
    }
    out.nodes.emplace(n.name, std::move(node));
    out.facts.push_back(std::move(n));
  }
  return out;
}

kube::Result<PassResult> UpgradePass::Run(const UpgradePolicy& policy, int64_t now) {
  auto fleet = Read(policy);
  if (!fleet.ok()) return fleet.status();
  PassResult result;
  result.plan = PlanUpgrade(fleet->facts, policy, fleet_.flow, now);
  for (const auto& step : result.plan.steps) {
    const kube::Object& node = fleet->nodes.at(step.node);
    kube::Status s = Carry(step, node, policy, now);
    Tell(node, step, s);
    if (!s.ok()) result.failures.push_back(step.node + ": " + s.ToString());
  }
  // The engine's mark on the nodes it is in charge of, on the nodes that lack it (a node with a
  // step got it in that step's patch).
  if (!fleet_.enabled_annotation.empty()) {
    for (const std::string& name : fleet->unmarked) {
      const kube::Object& node = fleet->nodes.at(name);
      if (std::any_of(result.plan.steps.begin(), result.plan.steps.end(),
                      [&](const NodeStep& s) { return s.node == name; })) {
        continue;
      }
      auto patched = client_.Patch(r::Nodes(), "", name, kube::PatchType::kMerge,
                                   kube::MetadataPatch(node, {}, {{fleet_.enabled_annotation, "true"}}));
      if (!patched.ok() && !kube::IsNotFound(patched.status())) {
        result.failures.push_back(name + ": " + patched.status().ToString());
      }
    }
  }
  return result;
}

void UpgradePass::Tell(const kube::Object& node, const NodeStep& step, const kube::Status& carried) {
  if (recorder_ == nullptr) return;
  const auto ref = kube::ObjectReference::To(node, "v1", "Node");
  const std::string driver = fleet_.keys.driver + " driver upgrade: ";
  if (!carried.ok()) {
    recorder_->Warning(ref, "DriverUpgradeStepFailed",
                       driver + "could not go from " + std::string(StateName(step.from)) + " to " +
                           std::string(StateName(step.to)) + ": " + carried.message());
    return;
  }
  if (step.to == step.from) return;  // a step repeated within a state (an eviction retried) tells nothing new
  const std::string message = driver + std::string(StateName(step.from).empty() ? "unknown" : StateName(step.from)) +
                              " -> " + std::string(StateName(step.to)) + (step.reason.empty() ? "" : ": " + step.reason);
  if (step.to == UpgradeState::kUpgradeFailed) recorder_->Warning(ref, "DriverUpgradeFailed", message);
  else recorder_->Normal(ref, "DriverUpgrade", message);
}

kube::Status UpgradePass::Carry(const NodeStep& step, const kube::Object& node, const UpgradePolicy& policy,
                                int64_t now) {
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
        for (const std::string& key : k.ProgressAnnotations()) annotations[key] = std::nullopt;
        if (step.to == UpgradeState::kUpgradeDone) annotations[k.initial_unschedulable_annotation] = std::nullopt;
        break;
      case Action::kDeleteDriverPod: {
        auto pods = client_.ListAll(r::Pods(), fleet_.namespace_,
                                    {.label_selector = fleet_.driver_pod_selector, .field_selector = on_node},
                                    &DriverPodFields());
        if (!pods.ok()) return pods.status();
        for (const auto& p : pods->items) {
          if (!Active(p.Tree())) continue;
          kube::Status s = client_.Delete(r::Pods(), p.namespace_(), p.name(), {.precondition_uid = p.meta().uid});
          if (!s.ok() && !kube::IsNotFound(s)) return s;
        }
        break;
      }
      case Action::kDeleteDriverUsers: {
        kube::Status s = EvictFrom(step.node, "", [](const json& p) { return UsesGpus(p) && Removable(p); });
        if (!s.ok()) return s;
        break;
      }
      case Action::kEvict: {
        kube::Status s = EvictFrom(step.node, policy.drain.pod_selector, [&](const json& p) { return Drainable(p, k); });
        if (!s.ok()) return s;
        break;
      }
    }
  }
  // The node's part in one merge patch, guarded by the resourceVersion read: cordon and label
  // change together or not at all.
  if (step.to == UpgradeState::kUpgradeFailed && step.from != step.to) annotations[k.failure_annotation] = step.reason;
  if (step.from == UpgradeState::kUpgradeFailed && step.to != step.from) annotations[k.failure_annotation] = std::nullopt;
  if (!fleet_.enabled_annotation.empty() && step.to != UpgradeState::kUnknown) {
    annotations[fleet_.enabled_annotation] = "true";  // a no-op in the patch when the node has it
  }
  json patch = json::parse(kube::MetadataPatch(node, {{k.state_label, std::string(StateName(step.to))}}, annotations));
  if (step.to == UpgradeState::kUnknown) patch["metadata"]["labels"][k.state_label] = nullptr;
  if (!spec.empty()) patch["spec"] = spec;
  auto patched = client_.Patch(r::Nodes(), "", step.node, kube::PatchType::kMerge, patch.dump());
  return patched.status();
}

kube::Status UpgradePass::EvictFrom(const std::string& node, const std::string& selector,
                                    const std::function<bool(const nlohmann::json&)>& take) {
  auto pods = client_.ListAll(r::Pods(), "", {.label_selector = selector, .field_selector = "spec.nodeName=" + node},
                              &PodOnNodeFields());
  if (!pods.ok()) return pods.status();
  for (const auto& p : pods->items) {
    if (!take(p.Tree())) continue;
    // A PodDisruptionBudget refuses with 429; the next pass asks again. The deadline keeps the
    // client's own retries of that answer short.
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
  return kube::Status::Ok();
}

kube::Status UpgradePass::Clear() {
  const UpgradeKeys& k = fleet_.keys;
  const std::string selector = fleet_.node_selector.empty() ? k.state_label : k.state_label + "," + fleet_.node_selector;
  auto nodes = client_.ListAll(r::Nodes(), "", {.label_selector = selector}, &NodeFields());
  if (!nodes.ok()) return nodes.status();
  for (const auto& node : nodes->items) {
    kube::MetadataChanges annotations;
    for (const std::string& key : k.ProgressAnnotations()) annotations[key] = std::nullopt;
    annotations[k.initial_unschedulable_annotation] = std::nullopt;
    if (!fleet_.enabled_annotation.empty()) annotations[fleet_.enabled_annotation] = std::nullopt;
    json patch = json::parse(kube::MetadataPatch(node, {{k.state_label, std::nullopt}}, annotations));
    // A node the engine cordoned on its way is not left cordoned when the engine stops.
    const NodeFacts n = NodeFactsOf(node.Tree(), k);
    if (InProgress(n.state) && n.unschedulable && !n.initially_unschedulable) {
      patch["spec"] = {{"unschedulable", nullptr}};
    }
    auto patched = client_.Patch(r::Nodes(), "", node.name(), kube::PatchType::kMerge, patch.dump());
    if (!patched.ok() && !kube::IsNotFound(patched.status())) return patched.status();
  }
  return kube::Status::Ok();
}

}  // namespace upgrade
