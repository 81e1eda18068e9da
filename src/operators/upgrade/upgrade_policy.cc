#include "upgrade_policy.h"

#include <cctype>

#include <nlohmann/json.hpp>

namespace upgrade {
namespace {

using nlohmann::json;

// Reads members of one object of the policy, each with its default, recording the first error.
class Reader {
 public:
  Reader(const json& object, std::string field, kube::Status* error)
      : object_(object), field_(std::move(field)), error_(error) {
    if (!object_.is_null() && !object_.is_object()) Fail(field_, "must be an object");
  }

  bool Bool(const char* name, bool fallback) {
    const json* v = Member(name);
    if (v == nullptr) return fallback;
    if (!v->is_boolean()) return Fail(Path(name), "must be true or false"), fallback;
    return v->get<bool>();
  }
  int64_t NonNegative(const char* name, int64_t fallback) {
    const json* v = Member(name);
    if (v == nullptr) return fallback;
    if (!v->is_number_integer() || v->get<int64_t>() < 0) {
      return Fail(Path(name), "must be a whole number, 0 or more"), fallback;
    }
    return v->get<int64_t>();
  }
  std::string String(const char* name) {
    const json* v = Member(name);
    if (v == nullptr) return "";
    if (!v->is_string()) return Fail(Path(name), "must be a string"), "";
    return v->get<std::string>();
  }
  // A count or a percentage, kept as text ("3", "25%").
  std::string IntOrPercent(const char* name, const std::string& fallback) {
    const json* v = Member(name);
    if (v == nullptr) return fallback;
    if (v->is_number_integer() && v->get<int64_t>() >= 0) return std::to_string(v->get<int64_t>());
    if (v->is_string()) {
      const std::string s = *v;
      size_t digits = 0;
      while (digits < s.size() && std::isdigit(static_cast<unsigned char>(s[digits]))) ++digits;
      if (digits > 0 && digits <= 9 && (digits == s.size() || (digits + 1 == s.size() && s.back() == '%'))) return s;
    }
    Fail(Path(name), "must be a node count (3) or a percentage of the driver's nodes (\"25%\"), not " + v->dump());
    return fallback;
  }
  const json& Object(const char* name) const {
    static const json kNull;
    return object_.is_object() && object_.contains(name) ? object_[name] : kNull;
  }
  std::string Path(const char* name) const { return field_ + "." + name; }

 private:
  const json* Member(const char* name) const {
    if (!object_.is_object()) return nullptr;
    auto it = object_.find(name);
    return it == object_.end() || it->is_null() ? nullptr : &*it;
  }
  void Fail(const std::string& path, const std::string& what) {
    if (error_->ok()) *error_ = kube::Status(kube::Code::kInvalidArgument, path + ": " + what);
  }

  const json& object_;
  std::string field_;
  kube::Status* error_;
};

}  // namespace

DriverDefaults GpuDriverDefaults() { return {"25%", false, false}; }
DriverDefaults NvidiaDriverDefaults() { return {"25%", false, true}; }
DriverDefaults OfedDriverDefaults() { return {"", true, false}; }

kube::Result<UpgradePolicy> ParseUpgradePolicy(const json& policy, const DriverDefaults& defaults,
                                               const std::string& field) {
  kube::Status error;
  UpgradePolicy p;
  Reader top(policy, field, &error);
  p.auto_upgrade = top.Bool("autoUpgrade", defaults.auto_upgrade);
  p.max_parallel_upgrades = top.NonNegative("maxParallelUpgrades", 1);
  p.max_unavailable = top.IntOrPercent("maxUnavailable", defaults.max_unavailable);
  p.safe_load = top.Bool("safeLoad", false);

  Reader wait(top.Object("waitForCompletion"), top.Path("waitForCompletion"), &error);
  p.wait_for_completion.pod_selector = wait.String("podSelector");
  p.wait_for_completion.timeout_seconds = wait.NonNegative("timeoutSeconds", 0);

  // Upstream's GPU chart calls it gpuPodDeletion in values; the CRD field is podDeletion.
  Reader deletion(top.Object("podDeletion"), top.Path("podDeletion"), &error);
  p.pod_deletion.force = deletion.Bool("force", false);
  p.pod_deletion.timeout_seconds = deletion.NonNegative("timeoutSeconds", 300);
  p.pod_deletion.delete_empty_dir = deletion.Bool("deleteEmptyDir", false);

  Reader drain(top.Object("drain"), top.Path("drain"), &error);
  p.drain.enable = drain.Bool("enable", defaults.drain_enable);
  p.drain.force = drain.Bool("force", false);
  p.drain.pod_selector = drain.String("podSelector");
  p.drain.timeout_seconds = drain.NonNegative("timeoutSeconds", 300);
  p.drain.delete_empty_dir = drain.Bool("deleteEmptyDir", false);
  if (!error.ok()) return error;
  return p;
}

kube::Result<UpgradePolicy> ParseUpgradePolicyIn(const json& spec, const std::string& pointer,
                                                 const DriverDefaults& defaults, const std::string& field) {
  const json::json_pointer at(pointer);
  return ParseUpgradePolicy(spec.is_object() && spec.contains(at) ? spec.at(at) : json(), defaults, field);
}

int64_t ResolveMaxUnavailable(const std::string& max_unavailable, int64_t total) {
  if (max_unavailable.empty()) return total;
  if (max_unavailable.back() == '%') {
    const int64_t percent = std::stoll(max_unavailable.substr(0, max_unavailable.size() - 1));
    return (percent * total + 99) / 100;
  }
  return std::stoll(max_unavailable);
}

}  // namespace upgrade
