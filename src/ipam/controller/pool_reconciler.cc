#include "controller/pool_reconciler.h"

#include <algorithm>
#include <map>
#include <tuple>

#include <nlohmann/json.hpp>

#include "kube/log.h"
#include "kube/metrics.h"
#include "kube/time_format.h"
#include "pool/allocator.h"
#include "pool/pool_resources.h"

namespace ipam {
namespace {

// "a, b, c and 7 more".
std::string NameList(const std::vector<std::string>& names, size_t limit = 10) {
  std::string out;
  for (size_t i = 0; i < names.size() && i < limit; ++i) out += (i ? ", " : "") + names[i];
  if (names.size() > limit) out += " and " + std::to_string(names.size() - limit) + " more";
  return out;
}

// Gauges per pool: nodes it selects, and of those how many have no block or prefix.
void ReportNodes(const kube::Resource& resource, const std::string& ns, const std::string& name, size_t selected,
                 size_t left_out) {
  static auto& nodes = kube::metrics::Default().Gauge("nv_ipam_pool_selected_nodes",
                                                      "Nodes a pool selects", {"kind", "namespace", "pool"});
  static auto& without = kube::metrics::Default().Gauge(
      "nv_ipam_pool_nodes_without_allocation", "Selected nodes the pool had no free block or prefix for",
      {"kind", "namespace", "pool"});
  nodes.With({resource.kind, ns, name}).Set(static_cast<double>(selected));
  without.With({resource.kind, ns, name}).Set(static_cast<double>(left_out));
}

bool Overlap(const IPPrefix& a, const IPPrefix& b) {
  return a.network.v6 == b.network.v6 && (a.Contains(b.network) || b.Contains(a.network));
}

bool Selects(const PoolSpec& spec, const kube::Object& node) {
  return spec.node_selector.selects_all() || spec.node_selector.Matches(node.name(), node.Labels());
}

std::string Span(const NodeAllocation& a) {
  return a.prefix_length >= 0 ? a.prefix().ToString() : a.start.ToString() + "-" + a.end.ToString();
}

}  // namespace

PoolReconciler::PoolReconciler(kube::Client& client, kube::EventRecorder& recorder, PoolType type,
                               kube::Informer& pools, kube::Informer& nodes)
    : recorder_(recorder), status_(client, recorder, kFieldManager), type_(type), pools_(pools), nodes_(nodes) {}

kube::Result<bool> PoolReconciler::WriteStatus(const kube::Object& pool, const nlohmann::json& current,
                                               nlohmann::json allocations, const std::string& ready,
                                               const std::string& reason, const std::string& message) {
  nlohmann::json condition = {{"type", "Ready"}, {"status", ready}, {"reason", reason}, {"message", message},
                              {"observedGeneration", pool.meta().generation}};
  nlohmann::json previous;
  for (const auto& c : current.value("conditions", nlohmann::json::array())) {
    if (c.value("type", "") == "Ready") previous = c;
  }
  const bool same_condition = previous.is_object() && previous.value("status", "") == ready &&
                              previous.value("reason", "") == reason && previous.value("message", "") == message &&
                              previous.value("observedGeneration", int64_t{0}) == pool.meta().generation;
  if (same_condition && current.value("allocations", nlohmann::json::array()) == allocations) return false;
  condition["lastTransitionTime"] = previous.is_object() && previous.value("status", "") == ready
                                        ? previous.value("lastTransitionTime", kube::RfcTimeNow())
                                        : kube::RfcTimeNow();
  return status_.Write(PoolResource(type_), pool,
                       {{"allocations", std::move(allocations)}, {"conditions", {condition}}});
}

kube::Result<kube::ReconcileResult> PoolReconciler::Reconcile(const kube::ReconcileRequest& request, std::stop_token) {
  kube::ObjectPtr pool = pools_.store().Get(request.Key());
  if (!pool || pool->meta().deleting) {
    ReportNodes(PoolResource(type_), request.namespace_, request.name, 0, 0);
    return kube::ReconcileResult{};
  }
  const nlohmann::json status = pool->StatusTree();
  const nlohmann::json current_allocations =
      status.contains("allocations") && status["allocations"].is_array() ? status["allocations"] : nlohmann::json::array();
  const kube::Resource resource = PoolResource(type_);
  const auto ref = kube::ObjectReference::To(*pool, resource.ApiVersion(), resource.kind);
  // Refused pools keep the allocations they have: nodes keep the addresses their pods hold.
  auto refuse = [&](const std::string& reason, const std::string& problem) -> kube::Result<kube::ReconcileResult> {
    auto wrote = WriteStatus(*pool, status, current_allocations, "False", reason, problem);
    if (!wrote.ok()) return wrote.status();
    if (*wrote) {
      kube::log::Warn("pool refused", {{"pool", pool->Key()}, {"reason", reason}, {"error", problem}});
      recorder_.Warning(ref, reason, problem + (current_allocations.empty() ? "" : "; existing allocations are kept"));
    }
    return kube::ReconcileResult{};
  };

  if (kube::Status deep = pool->CheckNesting(); !deep.ok()) return refuse("InvalidSpec", "spec refused: " + deep.message());
  auto spec = ParsePoolSpec(type_, pool->Tree().value("spec", nlohmann::json()));
  if (!spec.ok()) return refuse("InvalidSpec", spec.status().message());

  // Two pools whose subnets overlap would hand the same addresses to a node both select:
  // the pool created first keeps them, the other is refused until the overlap is gone.
  const std::string created = pool->CreationTimestamp();
  for (const auto& other : pools_.store().List()) {
    if (other->meta().uid == pool->meta().uid || other->meta().deleting || !other->CheckNesting().ok()) continue;
    const std::string other_created = other->CreationTimestamp();
    if (std::tie(other_created, other->namespace_(), other->name()) >= std::tie(created, pool->namespace_(), pool->name())) {
      continue;  // only an older pool wins
    }
    auto other_spec = ParsePoolSpec(type_, other->Tree().value("spec", nlohmann::json()));
    if (!other_spec.ok() || !Overlap(spec->subnet, other_spec->subnet)) continue;
    for (const auto& node : nodes_.store().List()) {
      if (node->meta().deleting || !Selects(*spec, *node) || !Selects(*other_spec, *node)) continue;
      return refuse("OverlappingSubnet", std::string(type_ == PoolType::kIPPool ? "subnet " : "cidr ") + spec->subnet.ToString() + " overlaps " +
                                             resource.kind + " " + other->Key() + " (" +
                                             other_spec->subnet.ToString() + "), created first, on node " +
                                             node->name() + ": both would hand out the same addresses");
    }
  }

  std::vector<std::string> nodes;
  for (const auto& node : nodes_.store().List()) {
    if (node->meta().deleting) continue;
    if (Selects(*spec, *node)) nodes.push_back(node->name());
  }
  std::sort(nodes.begin(), nodes.end());
  std::vector<NodeAllocation> existing;
  std::map<std::string, NodeAllocation> before;
  for (const auto& entry : current_allocations) {
    if (auto a = NodeAllocation::FromJson(type_, entry)) {
      before.emplace(a->node, *a);
      existing.push_back(std::move(*a));
    }
  }
  const AllocationOutcome outcome = Allocate(*spec, nodes, existing);

  nlohmann::json allocations = nlohmann::json::array();
  for (const auto& a : outcome.allocations) allocations.push_back(a.ToJson());
  const char* exhausted_reason = type_ == PoolType::kIPPool ? "NoFreeRanges" : "NoFreePrefixes";
  const char* unit = type_ == PoolType::kIPPool ? "block" : "prefix";
  std::string ready = "True", reason = "Allocated";
  std::string message = std::to_string(outcome.allocations.size()) + " of " + std::to_string(nodes.size()) +
                        " selected nodes have a " + unit;
  if (!outcome.left_out.empty()) {
    ready = "False";
    reason = exhausted_reason;
    message = "pool exhausted: " + std::to_string(outcome.left_out.size()) + " of " + std::to_string(nodes.size()) +
              " selected nodes have no " + unit + ": " + NameList(outcome.left_out);
  }
  ReportNodes(resource, pool->namespace_(), pool->name(), nodes.size(), outcome.left_out.size());
  auto wrote = WriteStatus(*pool, status, allocations, ready, reason, message);
  if (!wrote.ok()) return wrote.status();
  if (!*wrote) return kube::ReconcileResult{};

  kube::log::Info("pool allocations updated", {{"pool", pool->Key()}, {"nodes", std::to_string(nodes.size())},
                                               {"allocated", std::to_string(outcome.allocations.size())},
                                               {"left_out", std::to_string(outcome.left_out.size())}});
  if (!outcome.left_out.empty()) recorder_.Warning(ref, exhausted_reason, message);
  if (!outcome.moved.empty()) {
    std::vector<std::string> moves;
    for (const auto& a : outcome.allocations) {
      if (std::find(outcome.moved.begin(), outcome.moved.end(), a.node) == outcome.moved.end()) continue;
      moves.push_back(a.node + " (" + Span(before.at(a.node)) + " -> " + Span(a) + ")");
    }
    recorder_.Warning(ref, "AllocationsMoved",
                      std::to_string(moves.size()) + " nodes moved to a new " + unit +
                          " because their old one no longer fits the spec; pods there keep old addresses until "
                          "restarted: " + NameList(moves, 5));
  }
  return kube::ReconcileResult{};
}

}  // namespace ipam
