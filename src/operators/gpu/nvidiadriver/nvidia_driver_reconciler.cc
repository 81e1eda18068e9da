#include "nvidiadriver/nvidia_driver_reconciler.h"

#include <algorithm>
#include <set>

#include "apply_state.h"
#include "config_map_check.h"
#include "driver_readiness.h"
#include "kube/log.h"
#include "kube/metadata_patch.h"
#include "kube/metrics.h"
#include "kube/time_format.h"
#include "nvidiadriver/driver_assignment.h"
#include "nvidiadriver/nvidia_driver_spec.h"
#include "readiness.h"
#include "state_renderer.h"
#include "upgrade/gpu_upgrade_status.h"

namespace gpu {
namespace {

using nlohmann::json;

constexpr const char* kApiVersion = "nvidia.com/v1alpha1";

kube::metrics::Series& ReconcileCount() {
  static kube::metrics::Series& s =
      kube::metrics::Default()
          .Counter("gpu_operator_nvidiadriver_reconciliation_total", "NVIDIADriver reconciles")
          .With({});
  return s;
}

std::vector<kube::ObjectPtr> ActiveDrivers(const kube::Informer& drivers) {
  std::vector<kube::ObjectPtr> out;
  for (const auto& d : drivers.store().List()) {
    if (!d->meta().deleting) out.push_back(d);
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a->name() < b->name(); });
  return out;
}

DriverClaim ClaimOf(const kube::Object& driver) {
  const json tree = driver.Tree();
  const json spec = tree.value("spec", json::object());
  DriverClaim claim{driver.name(), driver.CreationTimestamp(), false, {}};
  claim.is_default = spec.is_object() && spec.value("default", false);
  if (spec.is_object() && spec.contains("nodeSelector") && spec["nodeSelector"].is_object()) {
    for (const auto& [k, v] : spec["nodeSelector"].items()) {
      if (v.is_string()) claim.node_selector[k] = v.get<std::string>();
    }
  }
  return claim;
}

// The pool's DaemonSet selects the driver's own nodes: its nodeSelector and owner label,
// and its nodeAffinity.
void Select(const json& spec, const std::string& driver, json& daemonset) {
  json& pod = daemonset["spec"]["template"]["spec"];
  json& selector = pod["nodeSelector"];
  if (spec.contains("nodeSelector") && spec["nodeSelector"].is_object()) {
    for (const auto& [k, v] : spec["nodeSelector"].items()) selector[k] = v;
  }
  selector[kGpuPresentLabel] = "true";
  selector[kDriverOwnerLabel] = driver;
  if (spec.contains("nodeAffinity") && spec["nodeAffinity"].is_object() && !spec["nodeAffinity"].empty()) {
    pod["affinity"]["nodeAffinity"] = spec["nodeAffinity"];
  }
}

}  // namespace

kube::Resource NvidiaDrivers() { return {"nvidia.com", "v1alpha1", "nvidiadrivers", "NVIDIADriver", false}; }

NvidiaDriverReconciler::NvidiaDriverReconciler(kube::Client& client, kube::EventRecorder& recorder,
                                               Informers informers, const operators::ManagedKinds& kinds,
                                               std::string operand_namespace, EnvLookup env)
    : client_(client),
      status_(client, recorder, ClusterPolicyReconciler::kFieldManager),
      informers_(informers),
      objects_(client, kinds,
               {ClusterPolicyReconciler::kFieldManager, kStateLabel, "gpu-operator", kRevisionAnnotation}),
      namespace_(std::move(operand_namespace)),
      env_(std::move(env)) {}

kube::Status NvidiaDriverReconciler::LabelOwners(const std::map<std::string, std::string>& owners) {
  for (const auto& [name, owner] : owners) {
    const kube::ObjectPtr node = informers_.nodes.store().Get(name);
    if (!node || node->meta().deleting) continue;
    const auto labels = node->Labels();
    auto it = labels.find(kDriverOwnerLabel);
    const std::string current = it == labels.end() ? "" : it->second;
    if (current == owner) continue;
    const std::string patch = kube::MetadataPatch(
        *node, {{kDriverOwnerLabel, owner.empty() ? std::nullopt : std::optional<std::string>(owner)}});
    auto r = client_.Patch(kube::resources::Nodes(), "", name, kube::PatchType::kMerge, patch);
    if (!r.ok() && !kube::IsNotFound(r.status())) return r.status().WithContext("labelling node " + name);
    kube::log::Info("node driver owner changed", {{"node", name}, {"from", current}, {"to", owner}});
  }
  return kube::Status::Ok();
}

DriverStatusInput NvidiaDriverReconciler::ReconcileDriver(const kube::Object& driver,
                                                          const std::vector<std::string>& node_names,
                                                          const std::vector<NodeLabels>& gpu_nodes,
                                                          const json& policy_spec, bool* requeue) {
  DriverStatusInput result{DriverOutcome::kReady, "", namespace_, driver.meta().generation};
  auto fail = [&](const std::string& message) {
    result.outcome = DriverOutcome::kFailed;
    result.message = message;
    return result;
  };
  const json tree = driver.Tree();
  const json spec = tree.contains("spec") && tree["spec"].is_object() ? tree["spec"] : json::object();
  if (kube::Status valid = ValidateNvidiaDriver(spec); !valid.ok()) return fail(valid.message());
  if (kube::Status found = CheckConfigMaps(client_, namespace_, NvidiaDriverConfigMaps(spec)); !found.ok()) {
    *requeue = found.code() == kube::Code::kInvalidArgument;  // a missing one: look again later
    return fail(found.message());
  }

  // Render every pool before applying anything: a bad spec applies nothing.
  std::vector<NodeLabels> nodes;
  for (const auto& n : gpu_nodes) {
    if (std::binary_search(node_names.begin(), node_names.end(), n.name)) nodes.push_back(n);
  }
  const std::string type = DriverType(spec);
  const bool precompiled = spec.value("usePrecompiled", false);
  const DriverPools pools = GroupDriverPools(nodes, precompiled);
  const json render_spec = DriverRenderSpec(policy_spec, spec);
  const RenderInputs in{render_spec, namespace_, env_, nodes, false};
  std::vector<json> objects;
  for (const auto& pool : pools.pools) {
    // As upstream names them: a ServiceAccount and RBAC per driver and OS; the startup probe's
    // ConfigMap is the driver's own (upstream's is shared by every NVIDIADriver, whose owner
    // then changes with each reconcile).
    const std::string resources = NvidiaDriverResourceName(type, driver.name());
    const PoolNames names{NvidiaDriverDaemonSetName(type, pool.os_tag, driver.meta().uid, pool.kernel),
                          resources + "-" + pool.os_tag, resources + "-startup-probe"};
    auto rendered = RenderDriverPool(in, pool, names, type == "vgpu-host-manager");
    if (!rendered.ok()) return fail(rendered.status().message());
    for (auto& obj : *rendered) {
      const bool daemonset = obj.value("kind", "") == "DaemonSet";
      if (daemonset) Select(spec, driver.name(), obj);
      const bool shared = obj.value("kind", "") == "ConfigMap";
      if (!shared || &pool == &pools.pools.front()) objects.push_back(std::move(obj));
    }
  }
  const operators::Owner owner{kApiVersion, "NVIDIADriver", driver.name(), driver.meta().uid};
  operators::StateObjects desired{kState, std::move(objects), {}, {}};
  if (!pools.unlabelled.empty()) desired.waiting.push_back(DescribeUnlabelled(pools, precompiled));
  operators::StateHooks hooks;
  hooks.readiness = [this](const json& live) {
    return live.value("kind", "") == "DaemonSet"
               ? DriverDaemonSetReadiness(live, informers_.driver_pods, informers_.driver_revisions)
               : operators::ObjectReadiness(live);
  };
  const operators::StateProgress progress =
      operators::ApplyState(objects_, owner, namespace_, std::move(desired), hooks);
  if (!progress.error.ok()) return fail(progress.error.message());
  if (!progress.ready) {
    result.outcome = DriverOutcome::kNotReady;
    result.message = "Waiting for driver pods to be ready: " + progress.message;
  } else if (nodes.empty()) {
    result.message = "NVIDIADriver selects no GPU node yet";
  }
  return result;
}

kube::Status NvidiaDriverReconciler::WriteStatus(const kube::Object& driver, const DriverStatusInput& input) {
  json desired = BuildNvidiaDriverStatus(input, driver.StatusTree(), kube::RfcTimeNow());
  if (input.outcome == DriverOutcome::kReady || input.outcome == DriverOutcome::kNotReady) {
    json upgrade = GpuUpgradeStatus(driver.Tree(), "/spec/upgradePolicy", upgrade::NvidiaDriverDefaults(),
                                    "spec.upgradePolicy", informers_.nodes, driver.name());
    if (!upgrade.is_null()) desired["upgrade"] = std::move(upgrade);
  }
  // Events mark what a user acts on; pods catching up with a change are in the status only.
  auto rule = [&input](const json&, const json& status) -> std::optional<kube::StatusEvent> {
    if (input.outcome == DriverOutcome::kNotReady) return std::nullopt;
    const bool ready = input.outcome == DriverOutcome::kReady;
    const std::string reason = ready ? "Reconciled" : DriverOutcomeReason(input.outcome);
    return kube::StatusEvent{reason + "/" + (ready ? "" : input.message),
                             !ready && input.outcome != DriverOutcome::kDisabled, reason,
                             status["conditions"][0].value("message", "")};
  };
  return status_.Write(NvidiaDrivers(), driver, desired, rule).status();
}

kube::Result<kube::ReconcileResult> NvidiaDriverReconciler::Reconcile(const kube::ReconcileRequest&, std::stop_token) {
  ReconcileCount().Add(1);
  const std::vector<kube::ObjectPtr> drivers = ActiveDrivers(informers_.drivers);
  const kube::ObjectPtr policy = EffectivePolicy(informers_.policies);
  if (kube::Status readable = policy ? policy->CheckNesting() : kube::Status::Ok(); !readable.ok()) {
    // Fail closed: without the ClusterPolicy it is unknown who deploys the driver; nothing changes.
    for (const auto& driver : drivers) {
      DriverStatusInput status{DriverOutcome::kFailed, "ClusterPolicy " + policy->name() + " cannot be read: " +
                                                           readable.message(),
                               namespace_, driver->meta().generation};
      KUBE_RETURN_IF_ERROR(WriteStatus(*driver, status));
    }
    return kube::ReconcileResult{};
  }
  const json policy_spec = policy ? policy->Tree().value("spec", json::object()) : json::object();
  const bool disabled = policy && !SpecBool(policy_spec, "/driver/useNvidiaDriverCRD", false);
  // The owner label of every node: none left where no driver drives it.
  std::map<std::string, std::string> owners;
  for (const auto& n : informers_.nodes.store().List()) {
    if (n->Labels().count(kDriverOwnerLabel)) owners[n->name()] = "";
  }
  ClusterNodes nodes;
  DriverAssignment assignment;
  if (!disabled && !drivers.empty()) {
    nodes = ReadNodes(informers_.nodes);
    std::vector<DriverClaim> claims;
    std::set<std::string> unreadable;  // refused for their depth: they claim nothing and release nothing
    for (const auto& d : drivers) {
      if (d->CheckNesting().ok()) claims.push_back(ClaimOf(*d));
      else unreadable.insert(d->name());
    }
    assignment = AssignDriverNodes(std::move(claims), nodes.gpu);
    for (const auto& n : nodes.gpu) {
      const auto label = n.labels.find(kDriverOwnerLabel);
      if (label != n.labels.end() && unreadable.count(label->second)) {
        owners[n.name] = label->second;  // kept as it is, like a rejected driver's nodes
        assignment.owner.erase(n.name);
        for (auto& [driver_name, names] : assignment.nodes) std::erase(names, n.name);
        continue;
      }
      // Nodes left as they are keep their label.
      if (auto it = assignment.owner.find(n.name); it != assignment.owner.end()) owners[n.name] = it->second;
      else owners.erase(n.name);
    }
  }
  KUBE_RETURN_IF_ERROR(LabelOwners(owners));

  kube::ReconcileResult result;
  for (const auto& driver : drivers) {
    DriverStatusInput status{DriverOutcome::kReady, "", namespace_, driver->meta().generation};
    if (disabled) {
      auto remaining = objects_.DeleteStale(kState, driver->meta().uid, {});
      if (!remaining.ok()) return remaining.status();
      status.outcome = DriverOutcome::kDisabled;
      status.message = "ClusterPolicy " + policy->name() +
                       " deploys the driver itself; set its spec.driver.useNvidiaDriverCRD (Helm: "
                       "driver.nvidiaDriverCRD.enabled) to hand the driver to NVIDIADrivers";
    } else if (kube::Status readable = driver->CheckNesting(); !readable.ok()) {
      // Refused before it is walked: nothing applied, nothing removed.
      status.outcome = DriverOutcome::kFailed;
      status.message = "spec refused: " + readable.message();
    } else if (auto it = assignment.rejected.find(driver->name()); it != assignment.rejected.end()) {
      // Rejected: nothing applied, nothing removed.
      status.outcome = DriverOutcome::kConflict;
      status.message = it->second;
    } else {
      bool requeue = false;
      status = ReconcileDriver(*driver, assignment.nodes[driver->name()], nodes.gpu, policy_spec, &requeue);
      if (requeue) result.requeue_after = std::chrono::seconds(15);
    }
    if (status.outcome == DriverOutcome::kFailed || status.outcome == DriverOutcome::kConflict) {
      kube::log::Warn("NVIDIADriver not applied", {{"name", driver->name()}, {"error", status.message}});
    }
    KUBE_RETURN_IF_ERROR(WriteStatus(*driver, status));
  }
  return result;
}

}  // namespace gpu
