#include "cluster_policy_reconciler.h"

#include <algorithm>

#include "cluster_policy_spec.h"
#include "cluster_policy_status.h"
#include "config_map_check.h"
#include "container_runtime.h"
#include "driver_handover.h"
#include "driver_readiness.h"
#include "kube/log.h"
#include "kube/metrics.h"
#include "kube/time_format.h"
#include "labels/gpu_node_labels.h"
#include "apply_state.h"
#include "readiness.h"
#include "upgrade/gpu_upgrade_status.h"

namespace gpu {
namespace {

using nlohmann::json;

struct Metrics {
  kube::metrics::Series& gpu_nodes = kube::metrics::Default()
                                         .Gauge("gpu_operator_gpu_nodes_total", "GPU nodes in the cluster")
                                         .With({});
  kube::metrics::Series& status = kube::metrics::Default()
                                      .Gauge("gpu_operator_reconciliation_status",
                                             "1 ready, 0 operands not ready, -1 no ClusterPolicy, -2 error")
                                      .With({});
  kube::metrics::Series& total =
      kube::metrics::Default().Counter("gpu_operator_reconciliation_total", "ClusterPolicy reconciles").With({});
  kube::metrics::Series& failed = kube::metrics::Default()
                                      .Counter("gpu_operator_reconciliation_failed_total",
                                               "ClusterPolicy reconciles that found an error")
                                      .With({});
  kube::metrics::Series& last_success = kube::metrics::Default()
                                            .Gauge("gpu_operator_reconciliation_last_success_ts_seconds",
                                                   "When the ClusterPolicy was last found ready")
                                            .With({});
  kube::metrics::Series& nfd = kube::metrics::Default()
                                   .Gauge("gpu_operator_reconciliation_has_nfd_labels",
                                          "1 when any node has NFD labels")
                                   .With({});
};

Metrics& Metric() {
  static Metrics m;
  return m;
}

}  // namespace

kube::Resource ClusterPolicies() { return {"nvidia.com", "v1", "clusterpolicies", "ClusterPolicy", false}; }

std::vector<kube::Resource> ClusterPolicyStateResources(bool service_monitors) {
  namespace r = kube::resources;
  std::vector<kube::Resource> kinds = {
      r::ServiceAccounts(), r::ConfigMaps(),          r::DaemonSets(),
      r::Services(),        {"node.k8s.io", "v1", "runtimeclasses", "RuntimeClass", false},
      r::ClusterRoles(),    r::ClusterRoleBindings(), r::Roles(),
      r::RoleBindings(),
  };
  if (service_monitors) kinds.push_back({"monitoring.coreos.com", "v1", "servicemonitors", "ServiceMonitor", true});
  return kinds;
}

kube::ObjectPtr EffectivePolicy(const kube::Informer& policies) {
  kube::ObjectPtr best;
  std::string best_time;
  for (const auto& p : policies.store().List()) {
    if (p->meta().deleting) continue;
    const std::string t = p->CreationTimestamp();
    if (!best || t < best_time || (t == best_time && p->name() < best->name())) {
      best = p;
      best_time = t;
    }
  }
  return best;
}

ClusterNodes ReadNodes(const kube::Informer& nodes) {
  ClusterNodes out;
  for (const auto& n : nodes.store().List()) {
    auto labels = n->Labels();
    if (!out.nfd) {
      out.nfd = std::any_of(labels.begin(), labels.end(),
                            [](const auto& kv) { return kv.first.rfind(operators::kNfdLabelPrefix, 0) == 0; });
    }
    auto it = labels.find(kGpuPresentLabel);
    if (it == labels.end() || it->second != "true") continue;
    out.gpu.push_back({n->name(), std::move(labels), common::ContainerRuntimeName(n->Tree())});
  }
  std::sort(out.gpu.begin(), out.gpu.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return out;
}

ClusterPolicyReconciler::ClusterPolicyReconciler(kube::Client& client, kube::EventRecorder& recorder,
                                                 Informers informers, const operators::ManagedKinds& kinds,
                                                 std::string operand_namespace, EnvLookup env, bool service_monitors)
    : client_(client),
      status_(client, recorder, kFieldManager),
      informers_(informers),
      objects_(client, kinds, {kFieldManager, kStateLabel, "gpu-operator", kRevisionAnnotation}),
      namespace_(std::move(operand_namespace)),
      env_(std::move(env)),
      service_monitors_(service_monitors) {}

namespace {

// Events mark what a user acts on: becoming ready (first, or for another reason, or again after a
// failure), a failure (each new message), being ignored. Operands catching up with a change
// (OperandNotReady) are in the status only: every rollout passes through it.
std::optional<kube::StatusEvent> ClusterPolicyEvent(const json& previous, const json& desired) {
  auto first_condition = [](const json& status) {
    return status.is_object() && status.contains("conditions") && status["conditions"].is_array() &&
                   !status["conditions"].empty()
               ? status["conditions"][0]
               : json::object();
  };
  const std::string before = previous.is_object() ? previous.value("state", "") : "";
  const std::string after = desired.value("state", "");
  const json ready = first_condition(desired);
  if (before != after || first_condition(previous).value("reason", "") != ready.value("reason", "")) {
    kube::log::Info("ClusterPolicy state changed", {{"from", before}, {"to", after}});
  }
  const bool has_reason = desired.contains("conditions") && desired["conditions"].size() > 1;
  const std::string reason = has_reason ? desired["conditions"][1].value("reason", "") : "";
  if (reason == "OperandNotReady") return std::nullopt;
  const std::string message = ready.value("message", "");
  if (after == "ready") {
    return kube::StatusEvent{"ready/" + ready.value("reason", ""), false, ready.value("reason", "Reconciled"), message};
  }
  if (after == "ignored") return kube::StatusEvent{"ignored", false, "Ignored", message};
  return kube::StatusEvent{reason + "/" + message, true, reason, message};
}

}  // namespace

kube::Status ClusterPolicyReconciler::WriteStatus(const kube::Object& policy, const json& desired) {
  return status_.Write(ClusterPolicies(), policy, desired, ClusterPolicyEvent).status();
}

kube::Result<kube::ReconcileResult> ClusterPolicyReconciler::Reconcile(const kube::ReconcileRequest&,
                                                                       std::stop_token) {
  Metric().total.Add(1);
  const kube::ObjectPtr policy = EffectivePolicy(informers_.policies);
  const std::string now = kube::RfcTimeNow();
  // Every other policy is ignored, and says so.
  for (const auto& other : informers_.policies.store().List()) {
    if (!policy || other->meta().deleting || other->name() == policy->name()) continue;
    StatusContext ctx{namespace_, other->meta().generation};
    const json previous = other->StatusTree();
    KUBE_RETURN_IF_ERROR(WriteStatus(*other, BuildIgnoredStatus(policy->name(), ctx, previous, now)));
  }
  if (!policy) {
    Metric().status.Set(-1);
    return kube::ReconcileResult{};
  }
  // A spec too deep to walk is refused like any bad spec: nothing applied, nothing removed.
  const kube::Status readable = policy->CheckNesting();
  const json spec = readable.ok() ? policy->Tree().value("spec", json::object()) : json::object();
  const json previous = policy->StatusTree();
  StatusContext ctx{namespace_, policy->meta().generation};

  const ClusterNodes nodes = ReadNodes(informers_.nodes);
  Metric().gpu_nodes.Set(static_cast<double>(nodes.gpu.size()));
  Metric().nfd.Set(nodes.nfd ? 1 : 0);
  if (!nodes.nfd) {
    ctx.ready_reason = "NFDLabelsMissing";
    ctx.ready_message = "No node has NFD labels (feature.node.kubernetes.io/...): GPU nodes cannot be found";
  } else if (nodes.gpu.empty()) {
    ctx.ready_reason = "NoGPUNodes";
    ctx.ready_message = "ClusterPolicy is ready: no GPU node in the cluster yet";
  }

  // Check and render everything first: a bad spec applies nothing.
  kube::ReconcileResult result;
  kube::Status valid = readable.ok() ? ValidateClusterPolicy(spec)
                                     : kube::Status(kube::Code::kInvalidArgument, "spec refused: " + readable.message());
  if (valid.ok()) {
    valid = CheckConfigMaps(client_, namespace_, ReferencedConfigMaps(spec));
    if (valid.code() == kube::Code::kInvalidArgument) {
      result.requeue_after = std::chrono::seconds(15);  // a missing one: look again later
    } else if (!valid.ok()) {
      return valid;
    }
  }
  RenderInputs in{spec, namespace_, env_, nodes.gpu, service_monitors_};
  std::vector<std::pair<const GpuState*, RenderedState>> rendered;
  std::vector<StateResult> results;
  for (const auto& state : ClusterPolicyStates()) {
    if (!valid.ok()) break;
    if (!state.enabled(spec)) continue;
    auto r = RenderClusterPolicyState(state, in);
    kube::Status s = r.ok() ? objects_.CheckKinds(r->objects) : r.status();
    if (!s.ok()) {
      valid = kube::Status(s.code(), "Failed to reconcile " + state.name + ": " + s.message());
      break;
    }
    rendered.emplace_back(&state, std::move(*r));
  }
  if (!valid.ok()) {
    ctx.failure = valid.message();
    Metric().status.Set(-2);
    Metric().failed.Add(1);
    kube::log::Warn("ClusterPolicy not applied", {{"name", policy->name()}, {"error", valid.message()}});
    KUBE_RETURN_IF_ERROR(WriteStatus(*policy, BuildClusterPolicyStatus({}, ctx, previous, now)));
    return result;
  }

  const operators::Owner owner{"nvidia.com/v1", "ClusterPolicy", policy->name(), policy->meta().uid};
  DriverHandover handover(client_, informers_.driver_pods, informers_.driver_revisions, namespace_);
  auto on_delete = [](const json& obj) {
    return obj.value("kind", "") == "DaemonSet" && obj["spec"]["updateStrategy"].value("type", "") == "OnDelete";
  };
  // A driver rollout's DaemonSets roll node by node (OnDelete): judged by their pods. A driver
  // pool's DaemonSets adopt an upstream install's pods.
  auto hooks_of = [&](const GpuState& state) {
    operators::StateHooks hooks;
    if (state.readiness == operators::StateReadiness::kDriverRollout) {
      hooks.readiness = [&](const json& live) {
        return on_delete(live) ? DriverDaemonSetReadiness(live, informers_.driver_pods, informers_.driver_revisions)
                               : operators::ObjectReadiness(live);
      };
    }
    if (state.pools == Pools::kDriver) {
      hooks.after_apply = [&](const json& live) -> kube::Result<std::string> {
        return on_delete(live) ? handover.Settle(live) : kube::Result<std::string>(std::string());
      };
    }
    return hooks;
  };
  auto next = rendered.begin();
  for (const auto& state : ClusterPolicyStates()) {
    const bool enabled = next != rendered.end() && next->first == &state;
    operators::StateObjects desired{state.name, {}, {}, {}};
    const bool driver = state.pools == Pools::kDriver;
    if (enabled) {
      RenderedState& out = next->second;
      ++next;
      if (driver) {
        // An upstream install's driver pods go to the pools' DaemonSets before those are applied.
        std::vector<const json*> daemonsets;
        for (const auto& obj : out.objects) {
          if (obj.value("kind", "") == "DaemonSet") daemonsets.push_back(&obj);
        }
        auto released = handover.Release(daemonsets, nodes.gpu);
        if (!released.ok()) {
          results.push_back({state.name, StateOutcome::kError, released.status().message()});
          continue;
        }
        if (released->hold_daemonsets) {
          // Nothing of the state is applied or removed until upstream's pods are orphans.
          results.push_back({state.name, StateOutcome::kNotReady, released->waiting});
          continue;
        }
        desired.waiting.push_back(released->waiting);
      }
      desired.objects = std::move(out.objects);
      desired.waiting.push_back(out.pending);
    }
    const operators::StateProgress progress = operators::ApplyState(
        objects_, owner, namespace_, std::move(desired), hooks_of(state));
    if (!progress.error.ok()) {
      results.push_back({state.name, StateOutcome::kError, progress.error.message()});
    } else if (!progress.ready) {
      results.push_back({state.name, StateOutcome::kNotReady, progress.message});
    } else {
      results.push_back({state.name, enabled ? StateOutcome::kReady : StateOutcome::kDisabled, ""});
    }
  }
  json desired = BuildClusterPolicyStatus(results, ctx, previous, now);
  if (Enabled(spec, "driver", true) && !SpecBool(spec, "/driver/useNvidiaDriverCRD", false) && !SandboxEnabled(spec)) {
    json upgrade = GpuUpgradeStatus(spec, "/driver/upgradePolicy", upgrade::GpuDriverDefaults(),
                                    "spec.driver.upgradePolicy", informers_.nodes, "");
    if (!upgrade.is_null()) desired["upgrade"] = std::move(upgrade);
  }
  const bool ready = desired.value("state", "") == "ready";
  const bool error = std::any_of(results.begin(), results.end(),
                                 [](const StateResult& r) { return r.outcome == StateOutcome::kError; });
  Metric().status.Set(ready ? 1 : error ? -2 : 0);
  if (error) Metric().failed.Add(1);
  if (ready) Metric().last_success.Set(static_cast<double>(std::time(nullptr)));
  KUBE_RETURN_IF_ERROR(WriteStatus(*policy, desired));
  return result;
}

}  // namespace gpu
