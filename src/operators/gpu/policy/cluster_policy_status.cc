#include "cluster_policy_status.h"

#include "condition.h"

namespace gpu {

using operators::MakeCondition;

nlohmann::json BuildClusterPolicyStatus(const std::vector<StateResult>& results, const StatusContext& ctx,
                                        const nlohmann::json& previous, const std::string& now) {
  std::string not_ready_names, details, failed;
  for (const auto& r : results) {
    if (r.outcome == StateOutcome::kError) {
      failed += (failed.empty() ? "" : "; ") + ("Failed to reconcile " + r.name + ": " + r.message);
    } else if (r.outcome == StateOutcome::kNotReady) {
      not_ready_names += (not_ready_names.empty() ? "" : " ") + r.name;
      details += "; " + r.name + ": " + r.message;
    }
  }
  if (!ctx.failure.empty()) failed = ctx.failure;
  nlohmann::json status = {{"namespace", ctx.namespace_}};
  nlohmann::json conditions = nlohmann::json::array();
  if (!failed.empty()) {
    status["state"] = "notReady";
    conditions.push_back(MakeCondition("Ready", false, "Error", failed, ctx.generation, previous, now));
    conditions.push_back(MakeCondition("Error", true, "ReconcileFailed", failed, ctx.generation, previous, now));
  } else if (!not_ready_names.empty()) {
    const std::string message = "ClusterPolicy is not ready; states not ready: [" + not_ready_names + "]" + details;
    status["state"] = "notReady";
    conditions.push_back(MakeCondition("Ready", false, "Error", message, ctx.generation, previous, now));
    conditions.push_back(MakeCondition("Error", true, "OperandNotReady", message, ctx.generation, previous, now));
  } else {
    const std::string message =
        ctx.ready_message.empty() ? "ClusterPolicy is ready as all resources have been successfully reconciled"
                                  : ctx.ready_message;
    status["state"] = "ready";
    conditions.push_back(MakeCondition("Ready", true, ctx.ready_reason, message, ctx.generation, previous, now));
    conditions.push_back(MakeCondition("Error", false, "Ready", "", ctx.generation, previous, now));
  }
  status["conditions"] = std::move(conditions);
  return status;
}

nlohmann::json BuildIgnoredStatus(const std::string& effective, const StatusContext& ctx,
                                  const nlohmann::json& previous, const std::string& now) {
  const std::string message = "ClusterPolicy " + effective +
                              " is the effective one (the oldest); this one is ignored until it is deleted";
  return {{"state", "ignored"},
          {"namespace", ctx.namespace_},
          {"conditions",
           {MakeCondition("Ready", false, "Ignored", message, ctx.generation, previous, now),
            MakeCondition("Error", false, "Ignored", "", ctx.generation, previous, now)}}};
}

}  // namespace gpu
