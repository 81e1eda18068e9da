// The `crds apply` and `crds delete` subcommands every operator binary has:
// what the charts' CRD hook Jobs run (upstream's upgradeCRDs and cleanupCRD).
// Not thread-safe; used from main only.
#ifndef OPERATORS_COMMON_CRD_COMMAND_H_
#define OPERATORS_COMMON_CRD_COMMAND_H_

#include <string>

namespace CLI {
class App;
}

namespace operators {

class CrdCommand {
 public:
  // Adds `crds apply` and `crds delete` (with --dir and --timeout) to `app`.
  void Register(CLI::App& app);
  // Whether the parsed command line named one of them.
  [[nodiscard]] bool Requested() const;
  // Runs the one named, against the cluster `kubeconfig` names ("" as kube::Config::Load takes it);
  // the process's exit code. Errors are logged.
  [[nodiscard]] int Run(const std::string& kubeconfig, const std::string& field_manager) const;

 private:
  CLI::App* apply_ = nullptr;
  CLI::App* delete_ = nullptr;
  std::string dir_ = "/crds";
  int timeout_seconds_ = 120;
};

}  // namespace operators

#endif  // OPERATORS_COMMON_CRD_COMMAND_H_
