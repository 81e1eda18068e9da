#include "crd_command.h"

#include <CLI/CLI.hpp>

#include <nlohmann/json.hpp>

#include "crd_upgrade.h"
#include "kube/log.h"
#include "kube/rest_client.h"
#include "kube/signals.h"

namespace operators {

void CrdCommand::Register(CLI::App& app) {
  CLI::App* crds = app.add_subcommand("crds", "Install, upgrade or remove this operator's CustomResourceDefinitions");
  crds->require_subcommand(1);
  crds->fallthrough();  // --kubeconfig and the logging flags may follow the subcommand
  apply_ = crds->add_subcommand("apply", "Apply the CRDs in --dir and wait until each is served");
  delete_ = crds->add_subcommand("delete", "Delete the CRDs in --dir, and with them every object of their kinds");
  for (CLI::App* sub : {apply_, delete_}) {
    sub->fallthrough();
    sub->add_option("--dir", dir_, "Directory of CRD YAML files")->capture_default_str();
    sub->add_option("--timeout", timeout_seconds_, "Seconds to wait for the CRDs to be served")
        ->check(CLI::Range(1, 3600))
        ->capture_default_str();
  }
}

bool CrdCommand::Requested() const { return (apply_ && apply_->parsed()) || (delete_ && delete_->parsed()); }

int CrdCommand::Run(const std::string& kubeconfig, const std::string& field_manager) const {
  kube::ShutdownSignals signals;
  auto crds = ReadCrdDirectory(dir_);
  if (!crds.ok()) {
    kube::log::Error("cannot read the CRDs", {{"error", crds.status().ToString()}});
    return 1;
  }
  auto connected = kube::Client::Connect(kubeconfig);
  if (!connected.ok()) {
    kube::log::Error("cannot reach the cluster", {{"error", connected.status().ToString()}});
    return 1;
  }
  kube::Client& client = **connected;
  const bool apply = apply_->parsed();
  kube::Status s;
  if (apply) {
    CrdApplyOptions options;
    options.field_manager = field_manager;
    options.established_timeout = std::chrono::seconds(timeout_seconds_);
    s = ApplyCrds(client, *crds, options, signals.token());
  } else {
    s = DeleteCrds(client, *crds);
  }
  if (!s.ok()) {
    kube::log::Error(apply ? "cannot apply the CRDs" : "cannot delete the CRDs", {{"error", s.ToString()}});
    return 1;
  }
  kube::log::Info(apply ? "CRDs applied and served" : "CRDs deleted", {{"count", std::to_string(crds->size())}});
  return 0;
}

}  // namespace operators
