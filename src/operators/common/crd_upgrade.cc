#include "crd_upgrade.h"

#include <algorithm>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "kube/config.h"
#include "kube/log.h"
#include "kube/resource.h"
#include "kube/sleep.h"
#include "kube/yaml.h"

namespace operators {
namespace {

using nlohmann::json;
using kube::Code;
using kube::Status;

bool IsEstablished(const json& crd) {
  for (const auto& c : crd.value("status", json::object()).value("conditions", json::array())) {
    if (c.value("type", "") == "Established" && c.value("status", "") == "True") return true;
  }
  return false;
}

}  // namespace

kube::Result<std::vector<json>> ReadCrdDirectory(const std::string& dir) {
  std::error_code ec;
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    const auto ext = entry.path().extension();
    if (entry.is_regular_file() && (ext == ".yaml" || ext == ".yml")) files.push_back(entry.path());
  }
  if (ec) return Status(Code::kInvalidArgument, "cannot read CRD directory " + dir + ": " + ec.message());
  std::sort(files.begin(), files.end());
  std::vector<json> crds;
  for (const auto& file : files) {
    auto text = kube::ReadFile(file.string());
    if (!text.ok()) return text.status();
    auto docs = kube::ParseYamlDocuments(*text);
    if (!docs.ok()) return Status(Code::kInvalidArgument, file.string() + ": " + docs.status().message());
    for (auto& doc : *docs) {
      if (doc.is_null()) continue;
      if (!doc.is_object() || doc.value("apiVersion", "") != "apiextensions.k8s.io/v1" ||
          doc.value("kind", "") != "CustomResourceDefinition") {
        return Status(Code::kInvalidArgument,
                      file.string() + ": holds a document that is not an apiextensions.k8s.io/v1 CustomResourceDefinition");
      }
      const json meta = doc.value("metadata", json::object());
      if (!meta.contains("name") || !meta["name"].is_string() || meta["name"].get<std::string>().empty()) {
        return Status(Code::kInvalidArgument, file.string() + ": a CustomResourceDefinition has no metadata.name");
      }
      crds.push_back(std::move(doc));
    }
  }
  if (crds.empty()) return Status(Code::kInvalidArgument, "no CustomResourceDefinition in " + dir);
  return crds;
}

Status ApplyCrds(kube::Client& client, const std::vector<json>& crds, const CrdApplyOptions& options,
                 std::stop_token stop) {
  const kube::Resource resource = kube::resources::CustomResourceDefinitions();
  kube::ApplyOptions apply;
  apply.field_manager = options.field_manager;
  apply.force = true;
  for (const auto& crd : crds) {
    const std::string name = crd["metadata"]["name"];
    auto applied = client.Apply(resource, crd, apply);
    if (!applied.ok()) return Status(applied.status().code(), "apply " + name + ": " + applied.status().message());
    kube::log::Info("CustomResourceDefinition applied", {{"name", name}});
  }
  const auto deadline = std::chrono::steady_clock::now() + options.established_timeout;
  std::vector<std::string> waiting;
  for (const auto& crd : crds) waiting.push_back(crd["metadata"]["name"]);
  while (true) {
    std::vector<std::string> still;
    std::string last_error;
    for (const auto& name : waiting) {
      auto current = client.Get(resource, "", name);
      if (current.ok() && IsEstablished(current->Tree())) continue;
      if (!current.ok()) last_error = current.status().ToString();
      still.push_back(name);
    }
    waiting = std::move(still);
    if (waiting.empty()) return Status();
    if (std::chrono::steady_clock::now() >= deadline || stop.stop_requested()) {
      std::string names;
      for (const auto& n : waiting) names += (names.empty() ? "" : ", ") + n;
      return Status(stop.stop_requested() ? Code::kCancelled : Code::kTimeout,
                    "not Established: " + names + (last_error.empty() ? "" : " (last error: " + last_error + ")"));
    }
    (void)kube::SleepFor(stop, std::chrono::milliseconds(250));
  }
}

Status DeleteCrds(kube::Client& client, const std::vector<json>& crds) {
  for (const auto& crd : crds) {
    const std::string name = crd["metadata"]["name"];
    Status s = client.Delete(kube::resources::CustomResourceDefinitions(), "", name);
    if (!s.ok() && s.code() != Code::kNotFound) return Status(s.code(), "delete " + name + ": " + s.message());
    kube::log::Info("CustomResourceDefinition deleted", {{"name", name}});
  }
  return Status();
}

}  // namespace operators
