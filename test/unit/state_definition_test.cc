// The state framework both operators share: every state declares the kinds
// its templates create, each a kind its operator watches, and rendering holds
// a state to what it declares.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include <nlohmann/json.hpp>

#include "cluster_policy_reconciler.h"
#include "gpu_states.h"
#include "state.h"
#include "state_definition.h"
#include "state_syncer.h"
#include "wrong_typed_field.h"

namespace {

using nlohmann::json;

std::set<std::string> KindsOf(const std::vector<kube::Resource>& resources) {
  std::set<std::string> out;
  for (const auto& r : resources) out.insert(r.kind);
  return out;
}

// Each state has a template directory and declares kinds unless it ships nothing.
template <typename State>
void ExpectDeclaredAndWatched(const std::vector<State>& states, const std::set<std::string>& watched) {
  for (const auto& state : states) {
    SCOPED_TRACE(state.name);
    EXPECT_FALSE(state.name.empty());
    EXPECT_EQ(state.manifests.empty(), state.kinds.empty()) << "a state with templates declares what they create";
    for (const auto& kind : state.kinds) EXPECT_TRUE(watched.count(kind)) << kind << " is not a kind the operator watches";
    const std::set<std::string> unique(state.kinds.begin(), state.kinds.end());
    EXPECT_EQ(unique.size(), state.kinds.size()) << "a kind is declared twice";
  }
}

TEST(StateDefinition, EveryGpuStateDeclaresKindsTheOperatorWatches) {
  ExpectDeclaredAndWatched(gpu::ClusterPolicyStates(), KindsOf(gpu::ClusterPolicyStateResources(true)));
}

TEST(StateDefinition, EveryNetworkStateDeclaresKindsTheOperatorWatches) {
  ExpectDeclaredAndWatched(network::NicClusterPolicyStates(), KindsOf(network::StateResources()));
}

TEST(StateDefinition, OnlyTheDriverRollsOutNodeByNode) {
  for (const auto& state : gpu::ClusterPolicyStates()) {
    EXPECT_EQ(state.readiness == operators::StateReadiness::kDriverRollout, state.name == "state-driver") << state.name;
  }
  for (const auto& state : network::NicClusterPolicyStates()) {
    EXPECT_EQ(state.readiness, operators::StateReadiness::kObjects) << state.name;
  }
}

TEST(StateDefinition, AnObjectOfAnUndeclaredKindIsTheStatesError) {
  const std::vector<std::string> kinds = {"ServiceAccount", "DaemonSet"};
  const std::vector<json> declared = {{{"kind", "DaemonSet"}, {"metadata", {{"name", "a"}}}},
                                      {{"kind", "ServiceAccount"}, {"metadata", {{"name", "b"}}}}};
  EXPECT_TRUE(operators::CheckStateKinds("state-x", kinds, declared).ok());

  const std::vector<json> secret = {declared[0], {{"kind", "Secret"}, {"metadata", {{"name", "token"}}}}};
  const kube::Status s = operators::CheckStateKinds("state-x", kinds, secret);
  EXPECT_EQ(s.code(), kube::Code::kInvalid);
  EXPECT_EQ(s.message(),
            "state-x renders a Secret \"token\", which is not among the kinds it creates (ServiceAccount, DaemonSet)");

  const kube::Status no_kind = operators::CheckStateKinds("state-x", kinds, {json::object()});
  EXPECT_EQ(no_kind.code(), kube::Code::kInvalid);
  EXPECT_NE(no_kind.message().find("an object without a kind"), std::string::npos) << no_kind.message();
}

// Rendering checks the kinds: a state that declares fewer kinds than its templates create fails,
// naming the kind, before anything could be applied.
TEST(StateDefinition, RenderingRefusesAKindTheStateDoesNotDeclare) {
  operators::StateBase state = gpu::ClusterPolicyState("pre-requisites");
  auto rendered = operators::RenderStateTemplates(state, json{{"runtimeClass", "nvidia"}});
  ASSERT_TRUE(rendered.ok()) << rendered.status().message();
  ASSERT_FALSE(rendered->empty());
  state.kinds = {"DaemonSet"};
  auto refused = operators::RenderStateTemplates(state, json{{"runtimeClass", "nvidia"}});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), kube::Code::kInvalid);
  EXPECT_NE(refused.status().message().find("pre-requisites renders a RuntimeClass"), std::string::npos)
      << refused.status().message();
}

// A renderer that reads `required` (failing without it), `limits.cpu` as a number and every
// `env[i].value` as a string.
operators::RenderOutcome ReadSpec(const json& spec) {
  try {
    if (!spec.contains("required")) return operators::RenderOutcome::kFails;
    (void)spec.value("limits", json::object()).value("cpu", 0);
    for (const auto& e : spec.value("env", json::array())) (void)e.value("value", std::string());
    return operators::RenderOutcome::kSucceeds;
  } catch (const json::exception&) {
    return operators::RenderOutcome::kThrows;
  }
}

TEST(WrongTypedField, NamesTheDeepestFieldWhoseRemovalLetsTheRenderThrough) {
  const json spec = {{"required", true},
                     {"limits", {{"cpu", 2}}},
                     {"env", json::array({{{"name", "A"}, {"value", "1"}}, {{"name", "B"}, {"value", 2}}})}};
  EXPECT_EQ(operators::FindWrongTypedField(spec, ReadSpec), "env[1].value");

  json in_object = spec;
  in_object["env"] = json::array();
  in_object["limits"]["cpu"] = "two";
  EXPECT_EQ(operators::FindWrongTypedField(in_object, ReadSpec), "limits.cpu");

  // Removing `required` stops the throw too, but only by failing otherwise: the field whose
  // removal lets the render succeed is the one named.
  json a_leaf = spec;
  a_leaf["env"] = json::array();
  a_leaf["limits"] = "none";
  EXPECT_EQ(operators::FindWrongTypedField(a_leaf, ReadSpec), "limits");

  // Nothing to blame: the render throws whatever is removed.
  auto always = [](const json&) { return operators::RenderOutcome::kThrows; };
  EXPECT_EQ(operators::FindWrongTypedField(spec, always), std::nullopt);
}

}  // namespace
