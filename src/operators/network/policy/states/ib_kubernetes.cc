// state-ib-kubernetes: the controller that sets InfiniBand pod GUIDs and PKeys through UFM.
#include "states/states.h"

#include <re2/re2.h>

#include <optional>

#include "states/state_rules.h"

namespace network::states {
namespace {

// A GUID as ib-kubernetes reads it: eight hex bytes separated by colons.
std::optional<uint64_t> ParseGuid(const std::string& text) {
  static const RE2 kGuid("([0-9A-Fa-f]{2}:){7}[0-9A-Fa-f]{2}");
  if (!RE2::FullMatch(text, kGuid)) return std::nullopt;
  uint64_t value = 0;
  for (size_t i = 0; i < text.size(); i += 3) value = value << 8 | std::stoul(text.substr(i, 2), nullptr, 16);
  return value;
}

kube::Status IbKubernetesContext(const RenderInputs& in, nlohmann::json* ctx) {
  const nlohmann::json& sec = in.section;
  const std::string start_field = in.field + ".pKeyGUIDPoolRangeStart";
  const std::string end_field = in.field + ".pKeyGUIDPoolRangeEnd";
  const std::string start_text = sec.value("pKeyGUIDPoolRangeStart", "");
  const std::string end_text = sec.value("pKeyGUIDPoolRangeEnd", "");
  auto start = ParseGuid(start_text);
  auto end = ParseGuid(end_text);
  if (!start) return Invalid(start_field, kube::Quoted(start_text) + " is not a GUID of the form xx:xx:xx:xx:xx:xx:xx:xx");
  if (!end) return Invalid(end_field, kube::Quoted(end_text) + " is not a GUID of the form xx:xx:xx:xx:xx:xx:xx:xx");
  if (*start > *end) return Invalid(start_field, "must not be above " + end_field + " (" + end_text + ")");
  if (*start == 0 || *end == UINT64_MAX) {
    return Invalid(*start == 0 ? start_field : end_field, "the all-zero and all-ones GUIDs are reserved");
  }
  const std::string secret = sec.value("ufmSecret", "");
  static const RE2 kName("[a-z0-9]([-a-z0-9.]*[a-z0-9])?");
  if (secret.empty()) return Invalid(in.field + ".ufmSecret", "is required: the Secret with the UFM address and credentials");
  if (!RE2::FullMatch(secret, kName)) return Invalid(in.field + ".ufmSecret", kube::Quoted(secret) + " is not a Secret name");
  const auto period = sec.value("periodicUpdateSeconds", nlohmann::json(5));
  if (!period.is_number_integer() || period.get<int64_t>() < 0) {
    return Invalid(in.field + ".periodicUpdateSeconds", "must be a non-negative integer");
  }
  (*ctx)["guidRangeStart"] = start_text;
  (*ctx)["guidRangeEnd"] = end_text;
  (*ctx)["ufmSecret"] = secret;
  (*ctx)["periodicUpdateSeconds"] = std::to_string(period.get<int64_t>());
  return kube::Status::Ok();
}

}  // namespace

StateDefinition IbKubernetes() {
  StateDefinition s;
  s.name = "state-ib-kubernetes";
  s.manifests = "network-operator/state-ib-kubernetes";
  s.kinds = {"ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Deployment"};
  s.customize = IbKubernetesContext;
  s.condition_type = "IBKubernetesReady";
  s.section = "/ibKubernetes";
  s.containers = {"ib-kubernetes"};
  s.default_resources = {{"ib-kubernetes", {{"requests", {{"cpu", "100m"}, {"memory", "300Mi"}}}}}};
  return s;
}

}  // namespace network::states
