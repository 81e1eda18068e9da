#include "pool/node_selector.h"

#include <algorithm>
#include <charconv>

#include <nlohmann/json.hpp>

namespace ipam {
namespace {

kube::Status Invalid(const std::string& field, const std::string& message) {
  return kube::Status(kube::Code::kInvalidArgument, field + ": " + message);
}

bool ParseInt(const std::string& s, long long* out) {
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && end == s.data() + s.size() && !s.empty();
}

}  // namespace

kube::Result<NodeSelector> NodeSelector::Parse(const nlohmann::json& selector, const std::string& field) {
  NodeSelector result;
  if (selector.is_null()) return result;
  if (!selector.is_object()) return Invalid(field, "must be an object");
  result.all_ = false;
  const auto terms = selector.value("nodeSelectorTerms", nlohmann::json::array());
  if (!terms.is_array()) return Invalid(field + ".nodeSelectorTerms", "must be a list");
  for (size_t t = 0; t < terms.size(); ++t) {
    std::vector<Requirement> term;
    for (const char* list : {"matchExpressions", "matchFields"}) {
      const auto exprs = terms[t].value(list, nlohmann::json::array());
      for (size_t e = 0; e < exprs.size(); ++e) {
        const std::string where =
            field + ".nodeSelectorTerms[" + std::to_string(t) + "]." + list + "[" + std::to_string(e) + "]";
        Requirement r;
        r.key = exprs[e].value("key", "");
        r.op = exprs[e].value("operator", "");
        r.on_field = std::string(list) == "matchFields";
        for (const auto& v : exprs[e].value("values", nlohmann::json::array())) {
          if (!v.is_string()) return Invalid(where + ".values", "must be strings");
          r.values.push_back(v.get<std::string>());
        }
        if (r.on_field && r.key != "metadata.name") return Invalid(where + ".key", "only metadata.name is supported");
        const bool set_op = r.op == "In" || r.op == "NotIn";
        const bool exists_op = r.op == "Exists" || r.op == "DoesNotExist";
        const bool num_op = r.op == "Gt" || r.op == "Lt";
        if (!set_op && !exists_op && !num_op) return Invalid(where + ".operator", "unknown operator \"" + r.op + "\"");
        if (set_op && r.values.empty()) return Invalid(where + ".values", "required for " + r.op);
        if (exists_op && !r.values.empty()) return Invalid(where + ".values", "must be empty for " + r.op);
        long long n;
        if (num_op && (r.values.size() != 1 || !ParseInt(r.values[0], &n))) {
          return Invalid(where + ".values", "one integer is required for " + r.op);
        }
        term.push_back(std::move(r));
      }
    }
    result.terms_.push_back(std::move(term));
  }
  return result;
}

bool NodeSelector::Matches(const std::string& node_name, const std::map<std::string, std::string>& labels) const {
  if (all_) return true;
  for (const auto& term : terms_) {
    if (term.empty()) continue;  // an empty term matches nothing
    bool all_hold = true;
    for (const auto& r : term) {
      const std::string* value = nullptr;
      if (r.on_field) {
        value = &node_name;
      } else if (auto it = labels.find(r.key); it != labels.end()) {
        value = &it->second;
      }
      const bool in = value && std::find(r.values.begin(), r.values.end(), *value) != r.values.end();
      bool holds = false;
      if (r.op == "In") holds = in;
      else if (r.op == "NotIn") holds = !in;
      else if (r.op == "Exists") holds = value != nullptr;
      else if (r.op == "DoesNotExist") holds = value == nullptr;
      else {
        long long have, want;
        holds = value && ParseInt(*value, &have) && ParseInt(r.values[0], &want) &&
                (r.op == "Gt" ? have > want : have < want);
      }
      if (!holds) {
        all_hold = false;
        break;
      }
    }
    if (all_hold) return true;
  }
  return false;
}

}  // namespace ipam
